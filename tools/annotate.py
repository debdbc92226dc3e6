"""Pseudo labels of a dataset: one PNG of class indices per image.

Every labelling mode (``--prompts``: zero-shot SAM + GEM CLIP, boxes,
points, scribbles, U-SAM) goes through the same engine: cached, resumable,
shardable (mmseg_zsl/apis/engine.py; docs/annotation.md).

Examples::

    # PASCAL VOC train_aug with real checkpoints (docs/zero_shot.md)
    python tools/annotate.py splits/pascal/train_aug.txt work_dirs/zs_voc \\
        --data-root data/VOCdevkit/VOC2012 --classes PascalVOCDataset \\
        --threshold 0.2 --sam-checkpoint checkpoints/sam_vit_h_4b8939.pth

    # new threshold from the cache, without SAM
    python tools/annotate.py splits/pascal/train_aug.txt work_dirs/zs_voc \\
        --data-root data/VOCdevkit/VOC2012 --classes PascalVOCDataset \\
        --threshold 0.25 --relabel

    # several GPUs: tools/dist_annotate.sh INPUT NUM_GPUS OUT_DIR [options]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: F401  (compat patches, registries)
from mmseg_zsl.apis import MODES, DistInfo, annotate, relabel
from mmseg_zsl.apis.cli import (add_input_arguments, add_label_arguments,
                                add_model_arguments, add_prompted_arguments,
                                add_usam_arguments, mode_options)
from mmseg_zsl.utils.tool_exit import (ToolArgumentParser, allow_failures_help,
                                       exit_status_help, exit_tool,
                                       finished_status, run_tool)


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        epilog=exit_status_help(),
        description='Pseudo labels of a dataset\'s images: zero-shot SAM + '
        'CLIP/GEM (the paper), SAM prompted by weak annotations, or U-SAM; '
        'cached and resumable. Flags left unset keep the library defaults.')
    parser.add_argument(
        'input',
        help='mmseg dataset config (.py; its train dataset), split file '
        '(UniMatch lines "JPEGImages/x.jpg SegmentationClass/x.png", '
        'with --data-root) or image folder')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument(
        '--prompts',
        choices=[k for k, mode in MODES.items() if mode.own_tool is None],
        default='zero-shot',
        help='labeller: zero-shot SAM + CLIP/GEM (the paper), SAM prompted '
        'by weak annotations (boxes, points, scribbles; --prompt-file), or '
        'U-SAM (a classifier on SAM mask tokens; --usam-checkpoint)')
    parser.add_argument(
        '--settings',
        help='zero-shot: settings file of tools/calibrate_zero_shot.py '
        '(threshold(s), classes, prompts, unassigned label); flags given '
        'as well replace its values')
    add_label_arguments(parser)
    add_input_arguments(parser)
    add_model_arguments(parser)
    run = parser.add_argument_group('run')
    run.add_argument(
        '--overwrite',
        action='store_true',
        help='annotate images again even if done (default: resume)')
    run.add_argument(
        '--relabel',
        action='store_true',
        help='rewrite the labels from the cache with the given label '
        'settings (no SAM; zero-shot loads only the CLIP text tower)')
    run.add_argument(
        '--allow-failures', action='store_true', help=allow_failures_help())
    run.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    add_prompted_arguments(parser)
    add_usam_arguments(parser)
    args = parser.parse_args(argv)
    if (args.prompts == 'zero-shot' and args.threshold is None
            and args.settings is None):
        parser.error('--threshold (or --settings) is required for zero-shot '
                     'annotation')
    try:
        args.options = mode_options(args)
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv=None) -> int:
    """Returns the exit status (docs/annotation.md, "Exit status")."""
    args = parse_args(argv)
    options = args.options
    run = dict(
        data_root=args.data_root,
        dataset_key=args.dataset_key,
        device=args.device,
        progress=not args.no_progress)
    if args.relabel:
        own, merged = relabel(
            args.out_dir, args.input, mode=args.prompts, **run, **options)
    else:
        own, merged = annotate(
            args.input,
            args.out_dir,
            mode=args.prompts,
            overwrite=args.overwrite,
            **run,
            **options)
    rank = DistInfo.from_env().rank
    if merged.ranks > 1:
        print(f'[rank {rank}] {own.line()}', flush=True)
    if rank == 0:
        print(merged.line(), flush=True)
        print(f'labels: {osp.join(args.out_dir, "labels")}', flush=True)
    # Every rank has the merged summary: all exit with the same status.
    return finished_status(merged, args.out_dir, args.allow_failures,
                           report=rank == 0)


if __name__ == '__main__':
    exit_tool(run_tool(main, resumable=True))
