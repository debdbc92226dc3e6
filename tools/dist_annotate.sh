#!/usr/bin/env bash
# Annotate with N processes (GPUs) via torchrun; each rank takes every N-th
# image and writes its own files, so the result equals a single-process run.
#
# Usage: tools/dist_annotate.sh INPUT N OUT_DIR --threshold T [annotate.py options]
# Environment: NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PORT (29500),
# PYTHON (python).
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 INPUT N OUT_DIR --threshold T [tools/annotate.py options]" >&2
    exit 2
fi
INPUT=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" \
    --nproc_per_node="$NPROC" \
    "$TOOLS/annotate.py" "$INPUT" "${@:3}"
