"""Render 81-class COCO label maps (0 background, 1..80 things, 255 ignore).

    python tools/coco_to_masks.py \\
        data/coco/annotations/instances_train2017.json data/coco/masks
    python tools/coco_to_masks.py \\
        data/coco/annotations/instances_val2017.json data/coco/masks

Writes ``<out_dir>/<image stem>.png`` (palette PNG of class indices) for
every image of the JSON. Category ids are mapped to 1..80 in id order; crowd
regions become 255 and smaller instances overwrite larger ones (see
``mmseg_zsl/datasets/coco_masks.py``). Resumable: existing PNGs are skipped
unless --overwrite.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches)
from mmseg_zsl.datasets.coco_masks import convert_coco_to_masks  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args() -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='COCO instance JSON -> 81-class label PNGs.')
    parser.add_argument('ann_file', help='instances_{train,val}2017.json')
    parser.add_argument('out_dir', help='output directory of <stem>.png')
    parser.add_argument(
        '--crowd-label',
        type=int,
        help='label of crowd regions (library default: 255 = ignore)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='rewrite PNGs that already exist')
    parser.add_argument(
        '--nproc', type=int, help='worker processes (library default: 1)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    options = dict(
        crowd_label=args.crowd_label,
        overwrite=args.overwrite,
        nproc=args.nproc)
    convert_coco_to_masks(
        args.ann_file, args.out_dir,
        **{k: v
           for k, v in options.items() if v is not None})


if __name__ == '__main__':
    run_tool(main, resumable=True)
