"""The command-line layer of annotation: flags, their types, and the mode
options they make.

``tools/annotate.py`` and ``tools/calibrate_zero_shot.py`` declare their
flags here (once), and :func:`mode_options` turns parsed flags into the
keyword options of :func:`mmseg_zsl.apis.engine.annotate`. Nothing below
this layer sees ``argparse``. Every flag defaults to None: flags left unset
keep the library defaults.
"""
import argparse
import json
import math
import os.path as osp
from typing import Any, Dict

from mmseg_zsl.utils.options import drop_none

#: Generator parameters that are not plain numbers (Python API only).
_NON_CLI_SAM_PARAMS = ('point_grids', )
#: Flag destinations of each mode's own argument group.
_MODE_FLAGS = dict(
    prompted=('prompt_file', 'prompt_format', 'mask_choice', 'scribble_ratio',
              'prompt_seed', 'negative_points', 'iterative',
              'points_per_round', 'boxes_per_batch', 'skip_difficult',
              'include_crowd', 'on_missing_prompts'),
    usam=('usam_checkpoint', 'usam_confidence_threshold', 'usam_nms_thresh',
          'usam_points_per_side', 'usam_points_per_batch',
          'usam_mask_selection'),
    zero_shot=('threshold', 'settings', 'templates', 'class_prompts',
               'clip_model', 'clip_pretrained', 'clip_cache_dir',
               'gem_depth', 'ss_attn_iter', 'ss_attn_temp', 'image_size',
               'resize_mode'))


def sam_generator_flags() -> dict:
    """``{param: default}`` of SamAutomaticMaskGenerator's number params."""
    from mmseg_zsl.annotation.sam import sam_generator_defaults
    return {
        name: default
        for name, default in sam_generator_defaults().items()
        if name not in _NON_CLI_SAM_PARAMS
    }


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f'{where}: thresholds are finite numbers (a cosine similarity, '
            f'e.g. 0.2); got {value!r}.')
    return float(value)


def _read_json(path: str) -> Any:
    if not osp.isfile(path):
        raise argparse.ArgumentTypeError(f'{path!r} does not exist.')
    try:
        with open(path, encoding='utf-8') as file:
            return json.load(file)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(
            f'{path} is not valid JSON: {error}') from None


def parse_threshold(value: str):
    """A finite number, or a JSON file: a number or ``{class name:
    threshold}``."""
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        return _finite(number, '--threshold')
    if not osp.isfile(value):
        raise argparse.ArgumentTypeError(
            f'{value!r} is neither a number nor a JSON file of thresholds '
            "({\"default\": 0.2, \"cat\": 0.25})")
    loaded = _read_json(value)
    if isinstance(loaded, dict):
        return {str(k): _finite(v, f'{value} ({k})')
                for k, v in loaded.items()}
    return _finite(loaded, value)


def load_class_prompts(path: str) -> dict:
    loaded = _read_json(path)
    if not isinstance(loaded, dict) or not all(
            isinstance(v, list) for v in loaded.values()):
        raise argparse.ArgumentTypeError(
            f'{path}: expected {{"class name": ["prompt", ...], ...}}.')
    return loaded


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """How the images are found (``--data-root``, ``--dataset-key``)."""
    data = parser.add_argument_group('input')
    data.add_argument('--data-root', help='root of a split file\'s paths')
    data.add_argument(
        '--dataset-key',
        help='dotted key of the dataset in a config '
        '(default: train_dataloader.dataset)')


def add_label_arguments(parser: argparse.ArgumentParser,
                        title: str = 'classes and labels') -> None:
    """The zero-shot labels: threshold, classes, prompts, unassigned."""
    labels = parser.add_argument_group(title)
    labels.add_argument(
        '--threshold',
        type=parse_threshold,
        help='zero-shot: cosine similarity threshold tau_zs (segments '
        'below stay unassigned), or a JSON file {"default": t, "<class>": '
        't, ...}')
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
        help='classes not queried with text or prompted (default: '
        'background)')
    labels.add_argument(
        '--unassigned-label',
        type=int,
        choices=(0, 255),
        help='label of pixels no assigned segment covers: 0 = background '
        '(default), 255 = ignore')


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """SAM, CLIP, GEM, the device and SAM's automatic mask generator."""
    from mmseg_zsl.annotation.fast_sam import PRECISIONS
    from mmseg_zsl.annotation.sam import RANDOM_INIT_CHOICES, SAM_MODEL_TYPES
    from mmseg_zsl.annotation.zero_shot.preprocess import RESIZE_MODES
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
        help='UNTRAINED random SAM (and CLIP) of tiny or full size for smoke '
        'tests and demos; labels are meaningless; no checkpoints needed')
    models.add_argument(
        '--precision',
        choices=PRECISIONS,
        help="SAM's tier: exact (default; outputs identical to "
        "segment_anything's generator) or fast (bf16 image encoder with "
        'SDPA, larger decoder batches; docs/annotation.md)')
    models.add_argument(
        '--compile',
        action='store_const',
        const=True,
        help='torch.compile the fast tier\'s image encoder')
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


def add_prompted_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``--prompts boxes|points|scribbles``."""
    from mmseg_zsl.annotation.prompted import MASK_CHOICES, PROMPT_SOURCES
    from .modes.prompted import ON_MISSING_CHOICES
    group = parser.add_argument_group(
        'prompted annotation (--prompts boxes|points|scribbles)')
    group.add_argument(
        '--prompt-file',
        help='weak annotations: a VOC Annotations folder (<stem>.xml), a '
        'COCO instance JSON, or prompt JSON (folder of <stem>.json or one '
        'file; docs/prompted.md)')
    group.add_argument(
        '--prompt-format',
        choices=sorted(PROMPT_SOURCES),
        help='format of --prompt-file (default: guessed)')
    group.add_argument(
        '--mask-choice',
        choices=[str(c) for c in MASK_CHOICES],
        help="SAM output kept per prompt: 0, 1, 2 (the paper's, default), "
        "best (highest predicted IoU) or single (multimask off)")
    group.add_argument(
        '--scribble-ratio',
        type=float,
        help='fraction of each scribble\'s pixels used as points '
        '(default: 0.2)')
    group.add_argument(
        '--prompt-seed',
        type=int,
        help='seed of the scribble sampling (default: 0)')
    group.add_argument(
        '--no-negative-points',
        dest='negative_points',
        action='store_const',
        const=False,
        help='do not use other classes\' points as negative prompts')
    group.add_argument(
        '--iterative',
        action='store_const',
        const=True,
        help='iterative input: positive points in rounds, each fed the '
        'previous round\'s low-res logits')
    group.add_argument(
        '--points-per-round',
        type=int,
        help='positive points added per iterative round (default: 1)')
    group.add_argument(
        '--boxes-per-batch',
        type=int,
        help='boxes decoded at once (default: 64)')
    group.add_argument(
        '--skip-difficult',
        action='store_const',
        const=True,
        help='VOC: ignore objects marked difficult')
    group.add_argument(
        '--include-crowd',
        action='store_const',
        const=True,
        help='COCO: also prompt with crowd (iscrowd=1) boxes')
    group.add_argument(
        '--on-missing-prompts',
        choices=ON_MISSING_CHOICES,
        help='images without prompts: skip them and report them as failed '
        '(default) or stop with an error')


def add_usam_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--usam-*`` flags (train the classifier with
    tools/train_usam.py)."""
    from mmseg_zsl.annotation.usam.tokens import MASK_SELECTIONS
    group = parser.add_argument_group(
        'U-SAM (--prompts usam; train the classifier with '
        'tools/train_usam.py)')
    group.add_argument(
        '--usam-checkpoint',
        help='trained U-SAM classifier (<train work_dir>/student.pth)')
    group.add_argument(
        '--usam-confidence-threshold',
        type=float,
        help='masks whose class probability is below it stay unlabelled '
        '(default: 0.7)')
    group.add_argument(
        '--usam-nms-thresh',
        type=float,
        help='mask IoU above which the less confident mask is dropped '
        '(default: 0.5)')
    group.add_argument(
        '--usam-points-per-side',
        type=int,
        help='grid of n x n point prompts (default: the one the classifier '
        'was trained with, 10)')
    group.add_argument(
        '--usam-points-per-batch',
        type=int,
        help='prompts decoded at once (memory only; default: 64)')
    group.add_argument(
        '--usam-mask-selection',
        choices=MASK_SELECTIONS,
        help="mask of each point: 'best' of SAM's three by predicted IoU "
        "(default) or the 'single'-mask output")


def zero_shot_model_options(args: argparse.Namespace) -> Dict[str, Any]:
    """Model options of the zero-shot mode from the SAM, CLIP and GEM
    flags."""
    sam_generator = {
        name: getattr(args, 'sam_' + name)
        for name in sam_generator_flags()
    }
    return drop_none(
        dict(
            sam_model_type=args.sam_model_type,
            sam_checkpoint=args.sam_checkpoint,
            sam_generator=drop_none(sam_generator) or None,
            clip_model=args.clip_model,
            clip_pretrained=args.clip_pretrained,
            clip_cache_dir=args.clip_cache_dir,
            gem=drop_none(
                dict(
                    gem_depth=args.gem_depth,
                    ss_attn_iter=args.ss_attn_iter,
                    ss_attn_temp=args.ss_attn_temp)) or None,
            clip_input=drop_none(
                dict(
                    image_size=args.image_size,
                    resize_mode=args.resize_mode)) or None,
            random_init=args.random_init,
            precision=args.precision,
            compile=args.compile))


def zero_shot_label_options(args: argparse.Namespace) -> Dict[str, Any]:
    """Label options of the zero-shot mode (those of
    :func:`add_label_arguments` that are set)."""
    return drop_none(
        dict(
            threshold=args.threshold,
            classes=args.classes,
            templates=args.templates,
            class_prompts=args.class_prompts,
            background_names=args.background_names,
            unassigned_label=args.unassigned_label))


def mode_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The options of mode ``args.prompts`` from its flags (set ones only).

    Raises:
        ValueError: A flag of another mode was set.
    """
    mode = args.prompts
    family = dict(boxes='prompted', points='prompted', scribbles='prompted',
                  usam='usam').get(mode, 'zero_shot')
    # flag destinations -> flags, SAM's generator flags with the zero-shot
    flags = {
        other: {dest: '--' + dest.replace('_', '-')
                for dest in dests}
        for other, dests in _MODE_FLAGS.items()
    }
    flags['zero_shot'].update({
        'sam_' + name: '--' + name.replace('_', '-')
        for name in sam_generator_flags()
    })
    foreign = [
        flag for other, dests in flags.items() if other != family
        for dest, flag in dests.items()
        if getattr(args, dest, None) is not None
    ]
    if foreign:
        raise ValueError(f'{foreign} do not apply to --prompts {mode}.')
    if family == 'zero_shot':
        return dict(
            zero_shot_label_options(args),
            **drop_none(dict(settings=args.settings)),
            **zero_shot_model_options(args))
    common = dict(
        classes=args.classes,
        unassigned_label=args.unassigned_label,
        sam_model_type=args.sam_model_type,
        sam_checkpoint=args.sam_checkpoint,
        random_init=args.random_init,
        precision=args.precision,
        compile=args.compile)
    if family == 'usam':
        return drop_none(
            dict(
                common,
                checkpoint=args.usam_checkpoint,
                confidence_threshold=args.usam_confidence_threshold,
                nms_thresh=args.usam_nms_thresh,
                points_per_side=args.usam_points_per_side,
                points_per_batch=args.usam_points_per_batch,
                mask_selection=args.usam_mask_selection))
    return drop_none(
        dict(
            common,
            prompt_file=args.prompt_file,
            prompt_format=args.prompt_format,
            mask_choice=args.mask_choice,
            boxes_per_batch=args.boxes_per_batch,
            scribble_ratio=args.scribble_ratio,
            seed=args.prompt_seed,
            negative_points=args.negative_points,
            iterative=args.iterative,
            points_per_round=args.points_per_round,
            background_names=args.background_names,
            skip_difficult=args.skip_difficult,
            include_crowd=args.include_crowd,
            on_missing=args.on_missing_prompts))
