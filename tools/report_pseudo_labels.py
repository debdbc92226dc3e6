"""Visual report of a pseudo-label directory.

Writes to OUT: ``sheet_NNN.png`` (image / pseudo label / ground truth rows
with a class legend), ``class_frequency.png``, with ground truth also
``iou_per_class.png`` and ``confusion_matrix.png``, a ``report.json`` with
the scores, and an ``index.html`` that shows everything.

Example::

    python tools/report_pseudo_labels.py work_dirs/zsl_voc/labels \\
        --img-dir data/VOCdevkit/VOC2012/JPEGImages \\
        --gt-dir data/VOCdevkit/VOC2012/SegmentationClass \\
        --config configs/_base_/datasets/pascal_voc12.py \\
        --out work_dirs/zsl_voc/report --num 32 --order worst
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches, registries)
from mmseg_zsl import visualization  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser  # noqa: E402
from mmseg_zsl.utils.tool_exit import (allow_failures_help, exit_status_help,
                                       finish_items, run_tool)


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Draw sheets, charts and an HTML index of pseudo labels '
        '(and score them when ground truth is given).',
        epilog=exit_status_help('label', 'OUT'))
    parser.add_argument('pseudo_dir', help='directory of <stem>.png labels')
    parser.add_argument(
        '--img-dir', required=True, help='directory of the images')
    parser.add_argument(
        '--gt-dir', help='directory of <stem>.png ground truth (optional)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument(
        '--num', type=int, help='images to show (default: 16)')
    parser.add_argument(
        '--order',
        choices=['random', 'worst'],
        help="which images: 'worst' = lowest per-image mIoU first (needs "
        "--gt-dir; the default with it), 'random' (the default without)")
    parser.add_argument(
        '--seed', type=int, help='seed of the random order (default: 0)')
    parser.add_argument(
        '--rows-per-sheet', type=int, help='images per sheet (default: 8)')
    names = parser.add_mutually_exclusive_group()
    names.add_argument(
        '--classes', help='text file, one class name per line (line 1 = 0)')
    names.add_argument(
        '--config',
        help='mmseg config whose dataset METAINFO gives class names and '
        'palette (no data needed)')
    parser.add_argument(
        '--palette',
        help="'voc' (PASCAL VOC colour map) or a text file with one "
        "'R G B' per class (default: the config's palette, else 'voc')")
    parser.add_argument(
        '--ignore-index',
        type=int,
        help='ignored ground truth / unassigned pseudo label (default: 255)')
    parser.add_argument(
        '--allow-failures',
        action='store_true',
        help=allow_failures_help('label', 'OUT'))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    class_names, palette = None, args.palette
    if args.classes:
        class_names = visualization.load_class_names(args.classes)
    elif args.config:
        metainfo = visualization.metainfo_from_config(args.config)
        class_names = metainfo['classes']
        if palette is None:
            palette = metainfo['palette']
    options = dict(
        gt_dir=args.gt_dir,
        num=args.num,
        order=args.order,
        seed=args.seed,
        class_names=class_names,
        palette=palette,
        ignore_index=args.ignore_index,
        rows_per_sheet=args.rows_per_sheet)
    # Library defaults have one home: drop flags the user did not give.
    options = {k: v for k, v in options.items() if v is not None}
    report = visualization.report_pseudo_labels(
        args.pseudo_dir, args.img_dir, args.out, **options)
    num_sheets = len(report['sheets'])
    line = (f'Report: {len(report["shown"])} of {report["num_images"]} '
            f'images shown on {num_sheets} sheet'
            f'{"" if num_sheets == 1 else "s"}')
    if report['miou'] is not None:
        line += (f', pseudo-label mIoU {report["miou"]:.2f}% over '
                 f'{report["num_images"]} images')
    skipped = report['pseudo_without_image'] + report['pseudo_without_gt']
    if skipped:
        line += (f' ({skipped} pseudo labels without image or ground truth '
                 'skipped)')
    print(f'{line}; open {osp.join(args.out, "index.html")}')
    return finish_items(args.out, 'report', report['num_images'],
                        report['failed'], args.allow_failures)


if __name__ == '__main__':
    sys.exit(run_tool(main))
