"""Pretrain the toy configs' backbone on the source world ("ImageNet").

Segmentation of the source world's 12 shape classes (see
mmseg_zsl/toy_world/source_world.py and pretraining.py). Writes the backbone
checkpoint that configs/toy/ load with ``init_cfg=dict(type='Pretrained',
checkpoint=..., prefix='backbone.')``. Running the same command again after
an interruption resumes from ``--work-dir``.

Example (the shipped checkpoint; about 25 minutes on 2 CPU cores)::

    python tools/pretrain_toy_backbone.py \\
        --out configs/toy/pretrained/toy_resnet18_source.pth
"""
import argparse
import os.path as osp
import sys
from functools import partial

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import mmseg_zsl  # noqa: E402,F401 isort: skip  (compat patches first)
import torch  # noqa: E402

from mmseg_zsl.toy_world.pretraining import TOY_MODEL_CONFIG  # noqa: E402
from mmseg_zsl.toy_world.pretraining import pretrain_backbone  # noqa: E402
from mmseg_zsl.utils.files import file_sha256  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Pretrain the toy backbone on the source world '
        '(deterministic for a seed on one machine; resumable).')
    parser.add_argument('--out', required=True,
                        help='backbone checkpoint to write (.pth)')
    parser.add_argument(
        '--work-dir',
        help='state for resuming and log.json (default: OUT without its '
        'extension + "_work")')
    parser.add_argument('--epochs', type=int, default=60)
    parser.add_argument('--num-train', type=int, default=4000,
                        help='source training images')
    parser.add_argument('--num-val', type=int, default=500,
                        help='held-out source images for the score')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=2e-3)
    parser.add_argument('--weight-decay', type=float, default=0.01)
    parser.add_argument('--crop', type=int, default=80,
                        help='side of the random training crops')
    parser.add_argument('--seed', type=int, default=1,
                        help='seed of the source world, weights and order')
    parser.add_argument('--threads', type=int, default=2,
                        help='torch CPU threads (bit-exact results need the '
                        'same count)')
    parser.add_argument('--model-config', default=TOY_MODEL_CONFIG,
                        help='config whose model.segmentor.backbone is '
                        'trained')
    parser.add_argument('--no-progress', action='store_true',
                        help='hide the per-epoch progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    progress = None
    if not args.no_progress:
        from tqdm import tqdm
        progress = partial(tqdm, leave=False, desc='steps')

    work_dir = args.work_dir or osp.splitext(args.out)[0] + '_work'
    meta = pretrain_backbone(
        args.out,
        work_dir,
        epochs=args.epochs,
        num_train=args.num_train,
        num_val=args.num_val,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=args.weight_decay,
        crop=args.crop,
        seed=args.seed,
        model_config=args.model_config,
        log=lambda line: print(line, flush=True),
        progress=progress)
    print(f'wrote {args.out}: source val mIoU {meta["source_val_miou"]:.2f}'
          f' ({meta["seconds"]:.0f} s of training)\nsha256 '
          f'{file_sha256(args.out)}')
    return meta


if __name__ == '__main__':
    run_tool(main, resumable=True)
