"""Zero-shot pseudo labels: SAM segments + GEM CLIP features -> label PNGs.

Examples::

    # PASCAL VOC train_aug with real checkpoints (README: "Zero-shot pseudo
    # labels")
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
from mmseg_zsl.apis import DistInfo, annotate_dataset
from mmseg_zsl.apis.annotate import RANDOM_INIT_CHOICES
from mmseg_zsl.apis.calibrate import annotate_options_from_settings
from mmseg_zsl.apis.cli_args import (RESIZE_MODES, SAM_MODEL_TYPES,
                                     load_class_prompts, model_options,
                                     parse_threshold, sam_generator_flags)
from mmseg_zsl.apis.prompted import (PROMPT_KINDS, add_prompted_arguments,
                                     annotate_prompted_from_args)
from mmseg_zsl.apis.usam import add_usam_arguments
from mmseg_zsl.utils import exit_distributed_run


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Zero-shot pseudo labels (SAM + CLIP/GEM), cached and '
        'resumable. Flags left unset keep the library defaults.')
    parser.add_argument(
        'input',
        help='mmseg dataset config (.py; its train dataset), split file '
        '(UniMatch lines "JPEGImages/x.jpg SegmentationClass/x.png", '
        'with --data-root) or image folder')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument(
        '--prompts',
        choices=('zero-shot', ) + tuple(PROMPT_KINDS) + ('usam', ),
        default='zero-shot',
        help='labeller: zero-shot SAM + CLIP/GEM (the paper), SAM prompted '
        'by weak annotations (boxes, points, scribbles; --prompt-file), or '
        'U-SAM (a classifier on SAM mask tokens; --usam-checkpoint)')
    parser.add_argument(
        '--threshold',
        type=parse_threshold,
        help='zero-shot: cosine similarity threshold tau_zs (segments '
        'below stay unassigned), or a JSON file {"default": t, "<class>": '
        't, ...}; required unless --settings gives it')
    parser.add_argument(
        '--settings',
        help='zero-shot: settings file of tools/calibrate_zero_shot.py '
        '(threshold(s), classes, prompts, unassigned label); flags given '
        'as well replace its values')

    labels = parser.add_argument_group('classes and labels')
    labels.add_argument(
        '--classes',
        help='class file (one name per line, optionally "name: display '
        'name"; line order = label id) or an mmseg dataset type such as '
        'PascalVOCDataset; default: the config dataset\'s metainfo')
    labels.add_argument(
        '--templates',
        nargs='+',
        help="prompt templates with '{}' for the class name, averaged "
        "(default: 'a photo of a {}.')")
    labels.add_argument(
        '--class-prompts',
        type=load_class_prompts,
        help='JSON file {"class": ["prompt", ...]} replacing the templates '
        'for those classes')
    labels.add_argument(
        '--background-names',
        nargs='*',
        help='classes not queried with text (default: background)')
    labels.add_argument(
        '--unassigned-label',
        type=int,
        choices=(0, 255),
        help='label of pixels no assigned segment covers: 0 = background '
        '(default), 255 = ignore')

    data = parser.add_argument_group('input')
    data.add_argument('--data-root', help='root of a split file\'s paths')
    data.add_argument(
        '--dataset-key',
        help='dotted key of the dataset in a config '
        '(default: train_dataloader.dataset)')

    models = parser.add_argument_group('models')
    models.add_argument(
        '--sam-model-type',
        choices=SAM_MODEL_TYPES,
        help='SAM backbone (default: vit_h)')
    models.add_argument(
        '--sam-checkpoint',
        help='SAM weights, e.g. sam_vit_h_4b8939.pth from '
        'https://github.com/facebookresearch/segment-anything')
    models.add_argument(
        '--clip-model',
        help='open_clip model name (default: ViT-B-16-quickgelu)')
    models.add_argument(
        '--clip-pretrained',
        help='open_clip pretrained tag or checkpoint path (default: openai)')
    models.add_argument('--clip-cache-dir', help='open_clip download cache')
    models.add_argument('--gem-depth', type=int, help='default: 7')
    models.add_argument('--ss-attn-iter', type=int, help='default: 1')
    models.add_argument(
        '--ss-attn-temp',
        type=float,
        help='fixed GEM inverse temperature (default: adaptive)')
    models.add_argument(
        '--image-size',
        type=int,
        help='CLIP input side (square) or short side (keep_ratio); '
        'default: 448')
    models.add_argument(
        '--resize-mode', choices=RESIZE_MODES, help='default: square')
    models.add_argument(
        '--random-init',
        choices=RANDOM_INIT_CHOICES,
        help='UNTRAINED random SAM and CLIP (tiny or full size) for smoke '
        'tests and demos; labels are meaningless; no checkpoints needed')
    models.add_argument(
        '--device', help='default: this process\'s GPU if any, else cpu')

    sam = parser.add_argument_group(
        'SAM automatic mask generator (default: SAM\'s own)')
    for name, default in sam_generator_flags().items():
        sam.add_argument(
            '--' + name.replace('_', '-'),
            type=type(default),
            dest='sam_' + name,
            metavar=type(default).__name__.upper(),
            help=f'{name} (SAM default: {default:g})')

    run = parser.add_argument_group('run')
    run.add_argument(
        '--overwrite',
        action='store_true',
        help='annotate images again even if done (default: resume)')
    run.add_argument(
        '--relabel',
        action='store_true',
        help='rewrite every label from the cache with the given classes, '
        'prompts and threshold (loads only the CLIP text tower)')
    run.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    add_prompted_arguments(parser)
    add_usam_arguments(parser)
    args = parser.parse_args(argv)
    if (args.prompts == 'zero-shot' and args.threshold is None
            and args.settings is None):
        parser.error('--threshold (or --settings) is required for zero-shot '
                     'annotation')
    return args


def annotate_zero_shot(args: argparse.Namespace) -> tuple:
    """The paper's labeller: SAM segments + GEM CLIP features."""
    label_options = dict(
        threshold=args.threshold,
        classes=args.classes,
        templates=args.templates,
        class_prompts=args.class_prompts,
        background_names=args.background_names,
        unassigned_label=args.unassigned_label)
    if args.settings is not None:
        label_options = annotate_options_from_settings(
            args.settings, **label_options)
    if label_options['threshold'] is None:
        raise SystemExit(f'annotate.py: {args.settings} gives no threshold; '
                         'pass --threshold.')
    return annotate_dataset(
        args.input,
        args.out_dir,
        label_options.pop('threshold'),
        **label_options,
        data_root=args.data_root,
        dataset_key=args.dataset_key,
        overwrite=args.overwrite,
        relabel=args.relabel,
        device=args.device,
        progress=not args.no_progress,
        **model_options(args))


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.prompts == 'zero-shot':
        own, merged = annotate_zero_shot(args)
    elif args.prompts == 'usam':
        from mmseg_zsl.apis.usam_run import annotate_usam_from_args
        own, merged = annotate_usam_from_args(args)
    else:
        own, merged = annotate_prompted_from_args(args)
    rank = DistInfo.from_env().rank
    if merged.ranks > 1:
        print(f'[rank {rank}] {own.line()}', flush=True)
    if rank == 0:
        print(merged.line(), flush=True)
        print(f'labels: {osp.join(args.out_dir, "labels")}', flush=True)


if __name__ == '__main__':
    main()
    exit_distributed_run()
