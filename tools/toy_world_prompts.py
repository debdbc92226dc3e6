"""Boxes, clicks and scribbles of the demo world, as prompt JSON.

Derived from the world's instance maps (see
``mmseg_zsl/annotation/prompt_sources/toy_world.py``), for
``tools/annotate.py --prompts boxes|points|scribbles``.

Example::

    python tools/make_toy_world.py data/toy_world
    python tools/toy_world_prompts.py data/toy_world data/toy_world/prompts
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches, registries)
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Prompt JSON (boxes, points, scribbles) of a demo world.')
    parser.add_argument('world', help='demo world root (make_toy_world.py)')
    parser.add_argument(
        'out', help='output folder of <id>.json, or one .json file')
    parser.add_argument(
        '--split-file',
        help='images to cover (default: <world>/splits/train.txt)')
    parser.add_argument(
        '--points-per-object',
        type=int,
        help='clicks per object, most interior first (default: 1)')
    parser.add_argument(
        '--background-points',
        type=int,
        help='background clicks per image (default: 1)')
    parser.add_argument(
        '--background-scribbles',
        type=int,
        help='background scribbles per image (default: 1)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    from mmseg_zsl.annotation.prompted.prompt_sources import \
        write_toy_world_prompts
    args = parse_args(argv)
    options = dict(
        points_per_object=args.points_per_object,
        background_points=args.background_points,
        background_scribbles=args.background_scribbles)
    counts = write_toy_world_prompts(
        args.world,
        args.out,
        args.split_file,
        progress=not args.no_progress,
        **{k: v
           for k, v in options.items() if v is not None})
    print(f"toy_world_prompts: {counts['num_images']} images, "
          f"{counts['num_boxes']} boxes, {counts['num_points']} points, "
          f"{counts['num_scribble_pixels']} scribble pixels -> {args.out}")
    return counts


if __name__ == '__main__':
    run_tool(main)
