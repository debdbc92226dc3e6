"""Prompted annotation (SAM + boxes / points / scribbles) for the tools.

``tools/annotate.py --prompts boxes|points|scribbles`` goes through
:func:`add_prompted_arguments` and :func:`annotate_prompted_from_args`; the
library entry points are :func:`make_prompted_annotation` (annotator,
labeler and manifest entries), :func:`run_prompted_annotation` (the shared
run loop plus the handling of images without prompts) and
:func:`relabel_prompted_dataset`. Options left as None keep the defaults of
the classes they belong to.
"""
import argparse
import os
import os.path as osp
import re
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from mmseg_zsl.annotation.prompt_building import MASK_CHOICES
from mmseg_zsl.annotation.prompt_sources import (PROMPT_KINDS, PROMPT_SOURCES,
                                                 ClassIndex)
from .annotate import (DEFAULT_SAM_MODEL_TYPE, DEFAULT_UNASSIGNED_LABEL,
                       RANDOM_INIT_CHOICES, RANDOM_INIT_SEED)
from .classes import resolve_class_names
from .dist import DistInfo
from .inputs import DEFAULT_DATASET_KEY, image_stem, list_images
from .manifest import build_manifest, check_resume
from .prompted_run import (ON_MISSING_CHOICES, relabel_prompted_dataset,
                           run_prompted_annotation)
from .summary import RunSummary

#: Options of the prompt sources, by format.
SOURCE_OPTIONS = {
    'voc-xml': ('skip_difficult', ),
    'coco-json': ('include_crowd', ),
    'prompt-json': (),
}
#: Options of the annotators, by prompt kind.
ANNOTATOR_OPTIONS = {
    'boxes': ('mask_choice', 'boxes_per_batch'),
    'points': ('mask_choice', 'negative_points', 'iterative',
               'points_per_round', 'background_names'),
    'scribbles': ('mask_choice', 'scribble_ratio', 'seed', 'negative_points',
                  'iterative', 'points_per_round', 'background_names'),
}


def _drop_none(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    return {k: v for k, v in (options or {}).items() if v is not None}


def guess_prompt_format(path: str) -> str:
    """'voc-xml' (a folder of .xml), 'coco-json' or 'prompt-json'."""
    if osp.isdir(path):
        names = os.listdir(path)
        if any(n.endswith('.xml') for n in names):
            return 'voc-xml'
        return 'prompt-json'
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Prompt file {path!r} does not exist: pass a VOC Annotations '
            'folder, a COCO instance JSON or prompt JSON (--prompt-file).')
    with open(path, encoding='utf-8', errors='replace') as file:
        head = file.read(1 << 16)
    # COCO's "images" is a list; the prompt JSON's is an object.
    return 'coco-json' if re.search(r'"images"\s*:\s*\[', head) \
        else 'prompt-json'


def build_prompt_source(path: str,
                        class_names: Sequence[str],
                        prompt_format: Optional[str] = None,
                        **options: Any):
    """The :class:`PromptSource` of ``path`` (format guessed if None)."""
    prompt_format = prompt_format or guess_prompt_format(path)
    if prompt_format not in PROMPT_SOURCES:
        raise ValueError(f'Prompt format must be one of '
                         f'{sorted(PROMPT_SOURCES)}, got {prompt_format!r}.')
    options = _drop_none(options)
    unknown = sorted(set(options) - set(SOURCE_OPTIONS[prompt_format]))
    if unknown:
        raise ValueError(f'{unknown} do not apply to {prompt_format} '
                         'prompts.')
    return PROMPT_SOURCES[prompt_format](path, ClassIndex(class_names),
                                         **options)


def build_prompted_sam(sam_model_type: Optional[str] = None,
                       sam_checkpoint: Optional[str] = None,
                       random_init: Optional[str] = None,
                       device: str = 'cpu'):
    """SAM (checkpoint or UNTRAINED random) and its manifest record."""
    from mmseg_zsl.annotation.sam import build_random_sam, build_sam
    sam_model_type = sam_model_type or DEFAULT_SAM_MODEL_TYPE
    if random_init is None:
        sam = build_sam(sam_model_type, sam_checkpoint, device)
        return sam, dict(
            sam=dict(model_type=sam_model_type, checkpoint=sam_checkpoint))
    if random_init not in RANDOM_INIT_CHOICES:
        raise ValueError(f'random_init must be one of {RANDOM_INIT_CHOICES}'
                         f', got {random_init!r}.')
    sam = build_random_sam(random_init, sam_model_type, RANDOM_INIT_SEED,
                           device)
    note = f'UNTRAINED random weights (random_init={random_init!r}, seed ' \
           f'{RANDOM_INIT_SEED})'
    return sam, dict(
        sam=dict(
            model_type='tiny' if random_init == 'tiny' else sam_model_type,
            checkpoint=None,
            note=note))


def make_prompted_annotation(
        prompts: str,
        prompt_file: str,
        classes: Any = None,
        metainfo_classes: Optional[Sequence[str]] = None,
        prompt_format: Optional[str] = None,
        unassigned_label: Optional[int] = None,
        sam_model_type: Optional[str] = None,
        sam_checkpoint: Optional[str] = None,
        random_init: Optional[str] = None,
        device: Optional[str] = None,
        source_options: Optional[Mapping[str, Any]] = None,
        annotator_options: Optional[Mapping[str, Any]] = None
) -> Tuple[Any, Any, Dict[str, Any]]:
    """Annotator, labeler and manifest entries of a prompted run.

    Args:
        prompts (str): 'boxes', 'points' or 'scribbles'.
        prompt_file (str): VOC ``Annotations`` folder, COCO instance JSON,
            or prompt JSON (folder or file).
        classes: Class file, mmseg dataset type or names; None takes
            ``metainfo_classes``.
        metainfo_classes (Sequence[str], optional): The dataset's classes.
        prompt_format (str, optional): 'voc-xml', 'coco-json' or
            'prompt-json'; guessed from the path if None.
        unassigned_label (int, optional): 0 (default) or 255.
        sam_model_type, sam_checkpoint, random_init: The SAM to use.
        device (str, optional): Defaults to this rank's GPU, else CPU.
        source_options (Mapping, optional): ``skip_difficult`` (VOC) or
            ``include_crowd`` (COCO).
        annotator_options (Mapping, optional): Options of
            :class:`BoxPromptAnnotator` / :class:`PointPromptAnnotator`
            (``background_names`` also goes to the labeler).

    Returns:
        tuple: ``(annotator, labeler, manifest_settings)``;
        ``build_manifest(source=images.describe(), **manifest_settings)``
        makes the run's manifest.
    """
    from mmseg_zsl.annotation.prompted_annotator import (BoxPromptAnnotator,
                                                         PointPromptAnnotator)
    from mmseg_zsl.annotation.prompted_labeler import PromptedLabeler
    if prompts not in PROMPT_KINDS:
        raise ValueError(f'prompts must be one of {PROMPT_KINDS}, got '
                         f'{prompts!r}.')
    options = _drop_none(annotator_options)
    unknown = sorted(set(options) - set(ANNOTATOR_OPTIONS[prompts]))
    if unknown:
        raise ValueError(f'{unknown} do not apply to {prompts} prompts.')
    names, _ = resolve_class_names(classes, metainfo_classes)
    source = build_prompt_source(prompt_file, names, prompt_format,
                                 **(source_options or {}))
    labeler = PromptedLabeler(
        names,
        DEFAULT_UNASSIGNED_LABEL
        if unassigned_label is None else unassigned_label,
        **_drop_none(dict(background_names=options.get('background_names'))))
    sam, models = build_prompted_sam(
        sam_model_type, sam_checkpoint, random_init,
        device or DistInfo.from_env().default_device())
    if prompts == 'boxes':
        annotator = BoxPromptAnnotator(sam, source, **options)
    else:
        annotator = PointPromptAnnotator(sam, source, prompts, **options)
    return annotator, labeler, dict(
        annotator=annotator.kind,
        models=models,
        annotator_settings=annotator.settings(),
        labels=labeler.settings(),
        random_init=random_init)


# ------------------------------------------------------------------ CLI
def add_prompted_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``--prompts boxes|points|scribbles`` (all default None)."""
    group = parser.add_argument_group(
        'prompted annotation (--prompts boxes|points|scribbles)')
    group.add_argument(
        '--prompt-file',
        help='weak annotations: a VOC Annotations folder (<stem>.xml), a '
        'COCO instance JSON, or prompt JSON (folder of <stem>.json or one '
        'file; README.md, "Pseudo labels from weak annotations")')
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


def _arg(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)


def build_prompted_annotation(
        args: argparse.Namespace,
        metainfo_classes: Optional[Sequence[str]] = None):
    """:func:`make_prompted_annotation` from ``tools/annotate.py``'s args.

    Returns:
        tuple: ``(annotator, labeler, manifest_settings)``.
    """
    if not _arg(args, 'prompt_file'):
        raise ValueError(f'--prompts {args.prompts} needs --prompt-file.')
    kind = args.prompts
    annotator_options = dict(
        mask_choice=_arg(args, 'mask_choice'),
        boxes_per_batch=_arg(args, 'boxes_per_batch'),
        scribble_ratio=_arg(args, 'scribble_ratio'),
        seed=_arg(args, 'prompt_seed'),
        negative_points=_arg(args, 'negative_points'),
        iterative=_arg(args, 'iterative'),
        points_per_round=_arg(args, 'points_per_round'),
        background_names=_arg(args, 'background_names'))
    given = _drop_none(annotator_options)
    ignored = sorted(set(given) - set(ANNOTATOR_OPTIONS[kind]))
    if ignored:
        raise ValueError(f'Options {ignored} do not apply to --prompts '
                         f'{kind}.')
    return make_prompted_annotation(
        kind,
        args.prompt_file,
        classes=_arg(args, 'classes'),
        metainfo_classes=metainfo_classes,
        prompt_format=_arg(args, 'prompt_format'),
        unassigned_label=_arg(args, 'unassigned_label'),
        sam_model_type=_arg(args, 'sam_model_type'),
        sam_checkpoint=_arg(args, 'sam_checkpoint'),
        random_init=_arg(args, 'random_init'),
        device=_arg(args, 'device'),
        source_options=dict(
            skip_difficult=_arg(args, 'skip_difficult'),
            include_crowd=_arg(args, 'include_crowd')),
        annotator_options=given)


def annotate_prompted_from_args(
        args: argparse.Namespace) -> Tuple[RunSummary, RunSummary]:
    """The whole ``tools/annotate.py --prompts ...`` run (or --relabel)."""
    dist = DistInfo.from_env()
    progress = not _arg(args, 'no_progress')
    images = list_images(args.input, _arg(args, 'data_root'),
                         _arg(args, 'dataset_key') or DEFAULT_DATASET_KEY)
    if _arg(args, 'relabel'):
        return relabel_prompted_dataset(
            args.out_dir, _arg(args, 'unassigned_label'),
            [image_stem(p) for p in images.paths], dist, progress)
    annotator, labeler, settings = build_prompted_annotation(
        args, images.classes)
    manifest = build_manifest(source=images.describe(), **settings)
    overwrite = bool(_arg(args, 'overwrite'))

    def make_manifest(old: Optional[Dict]) -> Dict:
        if not overwrite:
            check_resume(old, manifest, args.out_dir)
        return manifest

    return run_prompted_annotation(
        images.paths, args.out_dir, annotator, labeler, make_manifest,
        overwrite, dist, progress,
        **_drop_none(dict(on_missing=_arg(args, 'on_missing_prompts'))))
