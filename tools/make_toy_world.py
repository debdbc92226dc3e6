"""Generate the synthetic toy world (images, labels, instances, splits).

Example::

    python tools/make_toy_world.py data/toy_world --seed 0 \\
        --examples-per-class 20
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches first)
from mmseg_zsl.toy_world import generate_toy_world  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Generate the toy shapes world (deterministic: the same '
        'options give byte-identical files).')
    parser.add_argument('out_dir', help='destination directory')
    parser.add_argument('--seed', type=int, help='world seed (default 0)')
    parser.add_argument(
        '--num-train', type=int, help='training images (default 400)')
    parser.add_argument(
        '--num-val', type=int, help='validation images (default 100)')
    parser.add_argument(
        '--image-size', type=int, help='image side in pixels (default 96)')
    parser.add_argument(
        '--num-objects',
        type=int,
        nargs=2,
        metavar=('MIN', 'MAX'),
        help='objects per image (default 1 4)')
    parser.add_argument(
        '--small-prob',
        type=float,
        help='probability that an object is small (default 0.25)')
    parser.add_argument(
        '--labeled-counts',
        type=int,
        nargs='+',
        help='labeled split sizes (default 8 16 32 64)')
    parser.add_argument(
        '--examples-per-class',
        type=int,
        help='also cut N single-object example images per class into '
        'OUT_DIR/examples/<class>/ (default 0: none)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace a different world already in OUT_DIR')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    options = dict(
        seed=args.seed,
        num_train=args.num_train,
        num_val=args.num_val,
        image_size=args.image_size,
        num_objects=tuple(args.num_objects) if args.num_objects else None,
        small_prob=args.small_prob,
        labeled_counts=args.labeled_counts,
        examples_per_class=args.examples_per_class)
    # library defaults live in the library: drop what was not given
    options = {k: v for k, v in options.items() if v is not None}
    summary = generate_toy_world(
        args.out_dir,
        overwrite=args.overwrite,
        show_progress=not args.no_progress,
        **options)
    if summary['skipped']:
        print(f'\ntoy world {args.out_dir} is up to date '
              f'({summary["num_train"]} train + {summary["num_val"]} val '
              'images); nothing written')
        return summary
    pixels = summary['class_pixels']
    total = sum(pixels.values())
    shares = ', '.join(f'{k} {100 * v / total:.1f}%'
                       for k, v in pixels.items())
    examples = summary['examples']
    extra = ('; examples: ' + ', '.join(f'{k} {v}'
                                        for k, v in examples.items())
             if examples else '')
    print(f'\ntoy world: {summary["num_train"]} train + '
          f'{summary["num_val"]} val images in {args.out_dir} '
          f'({summary["seconds"]:.1f} s); pixels: {shares}{extra}')
    return summary


if __name__ == '__main__':
    run_tool(main)
