"""Convert scribble PNGs to mmseg_zsl's prompt JSON (for --prompts scribbles).

Each PNG (``<image stem>.png``, single-channel or palette) holds the class
index on scribble pixels and ``--unlabeled`` (255) elsewhere; each
connected stroke of a class becomes one scribble.

Example::

    python tools/scribbles_to_json.py data/VOCdevkit/VOC2012/scribbles \\
        data/VOCdevkit/VOC2012/scribbles_json --classes PascalVOCDataset
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches, registries)
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Scribble PNGs -> prompt JSON (one scribble per '
        'connected stroke of a class).')
    parser.add_argument('png_dir', help='folder of <image stem>.png')
    parser.add_argument(
        'out',
        help='output folder of <stem>.json, or one file ending in .json')
    parser.add_argument(
        '--classes',
        help='class file or mmseg dataset type naming the indices (e.g. '
        'PascalVOCDataset); default: write integer class ids')
    parser.add_argument(
        '--unlabeled',
        type=int,
        help='index of pixels without a scribble (default: 255)')
    parser.add_argument(
        '--connectivity',
        type=int,
        choices=(4, 8),
        help='pixel connectivity of a stroke (default: 8)')
    parser.add_argument(
        '--min-pixels',
        type=int,
        help='drop strokes with fewer pixels (default: 1)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    from mmseg_zsl.annotation.prompted.prompt_sources import \
        convert_scribble_pngs
    from mmseg_zsl.apis.classes import resolve_class_names
    args = parse_args(argv)
    names = None
    if args.classes is not None:
        names = resolve_class_names(args.classes)[0]
    options = dict(
        unlabeled=args.unlabeled,
        connectivity=args.connectivity,
        min_pixels=args.min_pixels)
    counts = convert_scribble_pngs(
        args.png_dir,
        args.out,
        names,
        progress=not args.no_progress,
        **{k: v
           for k, v in options.items() if v is not None})
    print(f"scribbles_to_json: {counts['num_images']} images, "
          f"{counts['num_scribbles']} scribbles, {counts['num_pixels']} "
          f'pixels -> {args.out}')
    return counts


if __name__ == '__main__':
    run_tool(main)
