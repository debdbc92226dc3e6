"""Simulate zero-shot (SAM + CLIP) pseudo labels from ground truth.

Examples::

    # a toy world: GT, instances and the train split are found in it
    python tools/simulate_pseudo_labels.py data/toy_world \\
        work_dirs/toy_pseudo_q0.5 --quality 0.5
    # any dataset with class-index PNGs (segments = connected components)
    python tools/simulate_pseudo_labels.py data/VOC/SegmentationClass \\
        work_dirs/sim_voc --quality 0.7 --num-classes 21
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches first)
from mmseg_zsl import toy_world  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool

RATE_FLAGS = tuple(toy_world.QUALITY_SLOPES) + (
    'small_area_frac', 'confusion_bias', 'dilate_prob')
INT_FLAGS = ('min_boundary_px', 'max_boundary_px', 'background_segments')


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Write simulated zero-shot pseudo labels '
        '(OUT_DIR/<stem>.png) whose errors are per segment: wrong classes, '
        'missed and lost objects, boundary spill / erosion, background '
        'false positives.')
    parser.add_argument(
        'gt', help='a toy world root (uses masks/, instances/ and '
        'splits/train.txt) or a folder of ground-truth PNGs')
    parser.add_argument('out_dir', help='pseudo-label directory to write')
    parser.add_argument(
        '--quality',
        type=float,
        help='1 = perfect labels, 0 = worst (default 0.5); sets every rate '
        'below that is not given')
    parser.add_argument('--seed', type=int, help='error seed (default 0)')
    parser.add_argument(
        '--instance-dir',
        help='instance-id PNGs (default: the world\'s instances/, else '
        'connected components of the ground truth)')
    parser.add_argument(
        '--split-file',
        help='only the images listed (default: the world\'s '
        'splits/train.txt, else every PNG)')
    parser.add_argument(
        '--num-classes',
        type=int,
        help='classes including background (default: largest label + 1)')
    parser.add_argument(
        '--unassigned-label',
        type=int,
        choices=(0, 255),
        help='label of missed objects and eroded rims (default 0)')
    for name in RATE_FLAGS + INT_FLAGS:
        parser.add_argument(
            f'--{name.replace("_", "-")}',
            type=int if name in INT_FLAGS else float,
            help=f'set {name} directly (see PseudoLabelNoise)')
    parser.add_argument(
        '--write-segments', metavar='DIR',
        help='also write the segments the errors were decided on (objects '
        'as painted, missed objects, background cells) as an annotation '
        'cache DIR/cache/<stem>.npz for tools/refine_pseudo_labels.py '
        '--segments (docs/toy_world.md says how they differ from SAM\'s)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    gt_dir, instance_dir, split_file = args.gt, args.instance_dir, \
        args.split_file
    if osp.isfile(osp.join(args.gt, 'meta.json')):  # a toy world root
        gt_dir = osp.join(args.gt, 'masks')
        instance_dir = instance_dir or osp.join(args.gt, 'instances')
        split_file = split_file or osp.join(args.gt, 'splits', 'train.txt')
    if not osp.isdir(gt_dir):
        raise FileNotFoundError(f'{gt_dir} is not a directory; pass a toy '
                                'world root or a folder of label PNGs.')
    options = dict(
        quality=args.quality,
        seed=args.seed,
        split_file=split_file,
        num_classes=args.num_classes,
        unassigned_label=args.unassigned_label)
    options.update({k: getattr(args, k) for k in RATE_FLAGS + INT_FLAGS})
    # library defaults live in the library: drop what was not given
    options = {k: v for k, v in options.items() if v is not None}
    summary = toy_world.simulate_pseudo_labels(
        gt_dir,
        instance_dir,
        args.out_dir,
        show_progress=not args.no_progress,
        segments_dir=args.write_segments,
        **options)
    noise = summary['noise']
    rates = ', '.join(f'{k} {noise[k]:.3f}'
                      for k in toy_world.QUALITY_SLOPES)
    counts = sorted(summary['counts'].items())
    errors = ', '.join(f'{k} {v}' for k, v in counts)
    print(f'\nsimulated {summary["num_images"]} pseudo labels in '
          f'{args.out_dir} (quality {summary["quality"]}: {rates}); '
          f'errors: {errors or "none"}; pixel accuracy vs ground truth '
          f'{100 * summary["pixel_accuracy"]:.2f}%')
    return summary


if __name__ == '__main__':
    run_tool(main)
