#!/usr/bin/env bash
# The GPU measurements of the README's speed tables, in one short run:
#   1. zero-shot annotation at VOC size (500x375), SAM ViT-H + CLIP ViT-B/16
#      GEM (random weights: timings only), stock generator vs exact tier vs
#      fast tier: s/image, images/s, peak GPU memory, identity, agreement;
#   2. one UniMatchZSSegmentor training step against plain PyTorch,
#      SegFormer-B4 of configs/zsl/segformer_b4_pascal_183.py, 2 + 2 images
#      of 321 x 321 (the paper's per-GPU batch): ms/step and peak memory.
# Usage (repository root, the environment of tools/install_env.sh active, a
# CUDA GPU): tools/gpu_benchmarks.sh [OUT_DIR]   (default: work_dirs/gpu)
# A machine without the stack's packages needs them as wheels first
# (segment-anything, open_clip_torch, pycocotools, ftfy, regex, mmengine,
# mmsegmentation, and mmcv built for its torch): put them in .whl/ and they
# are installed into /tmp/site.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${1:-work_dirs/gpu}
mkdir -p "$OUT"
PY=${PYTHON:-python}
if ls .whl/*.whl >/dev/null 2>&1; then
    $PY -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
$PY -c 'import torch; assert torch.cuda.is_available(), "no CUDA GPU"'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
$PY tools/benchmark_annotate.py --random-init full --sam-model-type vit_h \
    --height 375 --width 500 --num-images 8 --warmup 2 --compare-stock \
    --precision fast --device cuda --out "$OUT/annotate.json" | tee "$OUT/annotate.txt"
$PY tools/benchmark_train_step.py --config configs/zsl/segformer_b4_pascal_183.py \
    --crop 321 --num-labeled 2 --num-unlabeled 2 --device cuda | tee "$OUT/train_step.txt"
