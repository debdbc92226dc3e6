"""Write semi-supervised split files in UniMatch's format.

Two modes (both write ``<out-dir>/<name>/{labeled,unlabeled}.txt`` with
lines like ``JPEGImages/<id>.jpg SegmentationClass/<id>.png``):

1. Draw deterministic splits with a seed::

     python tools/make_splits.py --train-list train_aug.txt \\
         --labeled-pool ImageSets/Segmentation/train.txt \\
         --num-labeled 92 183 366 732 1464 --seed 0 \\
         --preset pascal --out-dir data/VOCdevkit/VOC2012/splits

   The labeled images are drawn from ``--labeled-pool`` (default: the whole
   training list) and the unlabeled ones are the rest of ``--train-list``.

2. Complete existing labeled lists (e.g. UniMatch's COCO splits, which ship
   without ``unlabeled.txt``)::

     python tools/make_splits.py --train-list coco_train_ids.txt \\
         --labeled-file splits/coco/1_512/labeled.txt --name 1_512 \\
         --preset coco --out-dir data/coco/splits

Id lists may be plain ids, mmseg ann files or UniMatch split files.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches)
from mmseg_zsl.datasets import split_files  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args() -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Write labeled/unlabeled split files (UniMatch format).')
    parser.add_argument(
        '--train-list',
        required=True,
        help='every training image id (e.g. PASCAL train_aug, COCO '
        'train2017); the unlabeled set is this minus the labeled ids')
    parser.add_argument(
        '--out-dir',
        required=True,
        help='writes <out-dir>/<name>/{labeled,unlabeled}.txt')
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        '--num-labeled',
        type=int,
        nargs='+',
        help='draw one split per number of labeled images')
    mode.add_argument(
        '--labeled-file',
        help='take the labeled ids from this file instead of drawing them')
    parser.add_argument(
        '--labeled-pool',
        help='draw labeled ids only from this list (e.g. the 1,464 PASCAL '
        'fine-annotated train ids); default: the whole --train-list')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the draw (default 0)')
    parser.add_argument(
        '--name',
        help='split directory name (default: the number of labeled images)')
    parser.add_argument(
        '--preset',
        choices=sorted(split_files.SPLIT_TEMPLATES),
        default='pascal',
        help='line templates: pascal = JPEGImages/{}.jpg '
        'SegmentationClass/{}.png, coco = train2017/{}.jpg masks/{}.png')
    parser.add_argument(
        '--img-template', help='override the image path template ({} = id)')
    parser.add_argument(
        '--seg-template', help='override the label path template ({} = id)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    img_t, seg_t = split_files.SPLIT_TEMPLATES[args.preset]
    img_t = args.img_template or img_t
    seg_t = args.seg_template or seg_t
    train_ids = split_files.read_ids(args.train_list)
    train_set = set(train_ids)

    jobs = []  # (name, labeled ids, unlabeled ids)
    if args.labeled_file:
        labeled = split_files.read_ids(args.labeled_file)
        missing = [i for i in labeled if i not in train_set]
        if missing:
            raise SystemExit(
                f'{len(missing)} labeled ids are not in --train-list (e.g. '
                f'{missing[:3]}); pass the full training list.')
        labeled_set = set(labeled)
        unlabeled = [i for i in sorted(train_set) if i not in labeled_set]
        jobs.append((args.name or str(len(labeled)), labeled, unlabeled))
    else:
        if args.name and len(args.num_labeled) > 1:
            raise SystemExit('--name needs a single --num-labeled value.')
        pool = (
            split_files.read_ids(args.labeled_pool)
            if args.labeled_pool else None)
        for n in args.num_labeled:
            labeled, unlabeled = split_files.draw_split(
                train_ids, n, args.seed, pool)
            jobs.append((args.name or str(n), labeled, unlabeled))

    for name, labeled, unlabeled in jobs:
        split_dir = osp.join(args.out_dir, name)
        split_files.write_lines_atomic(
            osp.join(split_dir, 'labeled.txt'),
            split_files.format_split_lines(labeled, img_t, seg_t))
        split_files.write_lines_atomic(
            osp.join(split_dir, 'unlabeled.txt'),
            split_files.format_split_lines(unlabeled, img_t, seg_t))
        print(f'make_splits: {split_dir}: {len(labeled)} labeled, '
              f'{len(unlabeled)} unlabeled')


if __name__ == '__main__':
    run_tool(main)
