"""U-SAM entry points: train the classifier, annotate, relabel.

- :func:`train_usam` (``tools/train_usam.py``): example images per class ->
  cached mask embeddings -> teacher -> student (``<work_dir>/student.pth``);
- :func:`add_usam_arguments` / :func:`build_usam_annotation`: what
  ``tools/annotate.py --prompts usam`` needs
  (:mod:`mmseg_zsl.apis.usam_run` runs them through the shared loop: cache,
  manifest, resume, sharding, summary).

Options left as None are not passed on: the defaults live in the classes
(:class:`~mmseg_zsl.annotation.usam.SamMaskEmbedder`,
:class:`~mmseg_zsl.annotation.usam.USamLabeler`,
:class:`~mmseg_zsl.annotation.usam.USamTrainConfig`).
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from mmseg_zsl.annotation.cache import atomic_write_bytes
from .annotate import (DEFAULT_SAM_MODEL_TYPE, DEFAULT_UNASSIGNED_LABEL,
                       RANDOM_INIT_CHOICES, RANDOM_INIT_SEED)
from .classes import resolve_class_names
from .dist import DistInfo

#: Sub-directory of a training work_dir holding the example embeddings.
EMBEDDING_CACHE_DIR = 'embeddings'
TRAIN_SUMMARY_NAME = 'train_summary.json'
MASK_SELECTIONS = ('best', 'single')


def _drop_none(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    return {k: v for k, v in (options or {}).items() if v is not None}


def sam_identity(sam_model_type: Optional[str],
                 random_init: Optional[str]) -> Dict[str, Any]:
    """What a trained classifier must match: model type and random init.

    Mask embeddings of another SAM do not fit a classifier.
    """
    model_type = sam_model_type or DEFAULT_SAM_MODEL_TYPE
    return dict(
        model_type='tiny' if random_init == 'tiny' else model_type,
        random_init=random_init)


def build_usam_sam(sam_model_type: Optional[str] = None,
                   sam_checkpoint: Optional[str] = None,
                   random_init: Optional[str] = None,
                   device: str = 'cpu') -> Tuple[Any, Dict, Dict]:
    """SAM, its manifest ``models`` entry and its :func:`sam_identity`."""
    from mmseg_zsl.annotation.sam import build_random_sam, build_sam
    identity = sam_identity(sam_model_type, random_init)
    sam_model_type = sam_model_type or DEFAULT_SAM_MODEL_TYPE
    if random_init is not None:
        if random_init not in RANDOM_INIT_CHOICES:
            raise ValueError(f'random_init must be one of '
                             f'{RANDOM_INIT_CHOICES}, got {random_init!r}.')
        sam = build_random_sam(random_init, sam_model_type, RANDOM_INIT_SEED,
                               device)
        note = (f'UNTRAINED random weights (random_init={random_init!r}, '
                f'seed {RANDOM_INIT_SEED})')
        models = dict(
            sam=dict(
                model_type=identity['model_type'], checkpoint=None,
                note=note))
    else:
        sam = build_sam(sam_model_type, sam_checkpoint, device)
        models = dict(
            sam=dict(model_type=sam_model_type, checkpoint=sam_checkpoint))
    return sam, models, identity


def build_embedder(sam: Any, options: Optional[Mapping] = None):
    """:class:`SamMaskEmbedder` with the options that are set."""
    from mmseg_zsl.annotation.usam import SamMaskEmbedder
    return SamMaskEmbedder(sam, **_drop_none(options))


def read_class_names(classes: Union[None, str, Sequence[str]]):
    """Classifier classes: None, a class file, or names."""
    from mmseg_zsl.annotation.text import read_class_file
    if classes is None:
        return None
    if isinstance(classes, str):
        return read_class_file(classes)[0] if osp.isfile(classes) \
            else [classes]
    if len(classes) == 1 and osp.isfile(classes[0]):
        return read_class_file(classes[0])[0]
    return list(classes)


def train_usam(example_dir: str,
               work_dir: str,
               classes: Union[None, str, Sequence[str]] = None,
               sam_model_type: Optional[str] = None,
               sam_checkpoint: Optional[str] = None,
               random_init: Optional[str] = None,
               embedder: Optional[Mapping[str, Any]] = None,
               train: Optional[Mapping[str, Any]] = None,
               overwrite: bool = False,
               device: Optional[str] = None,
               progress: bool = True) -> Dict[str, Any]:
    """Train the U-SAM classifier from example images per class.

    Embeds every example once (``<work_dir>/embeddings``, resumable), then
    trains the teacher and the student (resumable checkpoints).

    Args:
        example_dir (str): ``<example_dir>/<class name>/*.jpg|png``.
        work_dir (str): Cache, checkpoints and ``student.pth``.
        classes (None | str | Sequence[str]): Classifier classes (names or
            a class file); default: every sub-folder, sorted.
        sam_model_type (str, optional): Defaults to 'vit_h'.
        sam_checkpoint (str, optional): SAM weights (unless random_init).
        random_init (str, optional): 'tiny' / 'full' UNTRAINED SAM.
        embedder (Mapping, optional): ``points_per_side``,
            ``points_per_batch``, ``mask_selection``.
        train (Mapping, optional): :class:`USamTrainConfig` options.
        overwrite (bool): Start over (delete cache and checkpoints).
        device (str, optional): Defaults to a GPU if any, else CPU.
        progress (bool): Show progress bars.

    Returns:
        dict: The run summary (also written to ``train_summary.json``).
    """
    from mmseg_zsl.annotation.usam import (EmbeddingCache, USamTrainConfig,
                                           USamTrainer, list_examples)
    start = time.perf_counter()
    device = device or DistInfo.from_env().default_device()
    config = USamTrainConfig(**_drop_none(train))
    examples = list_examples(example_dir, read_class_names(classes))
    os.makedirs(work_dir, exist_ok=True)
    if overwrite:
        for stage in ('teacher', 'student'):
            for suffix in ('_latest.pth', '.pth'):
                path = osp.join(work_dir, stage + suffix)
                if osp.isfile(path):
                    os.remove(path)
    sam, models, sam_meta = build_usam_sam(sam_model_type, sam_checkpoint,
                                           random_init, device)
    mask_embedder = build_embedder(sam, embedder)
    meta = dict(sam=sam_meta, embedder=mask_embedder.settings())
    cache = EmbeddingCache(osp.join(work_dir, EMBEDDING_CACHE_DIR), meta)
    cache.prepare(overwrite)
    embedded, cached, failed = cache.extract(mask_embedder, examples,
                                             progress)
    del sam, mask_embedder  # training needs only the cached embeddings
    embeddings, targets = cache.load(examples)
    trainer = USamTrainer(
        embeddings,
        targets,
        examples.class_names,
        work_dir,
        config,
        meta=dict(meta, examples=examples.fingerprint()),
        device=device,
        progress=progress)
    paths = trainer.run()
    summary = dict(
        classes=examples.class_names,
        examples_per_class=examples.counts(),
        embedded=embedded,
        cached=cached,
        failed=failed,
        num_trained=len(embeddings),
        models=models,
        untrained_sam=random_init is not None,
        train_config=config.to_dict(),
        final={s: (h[-1] if h else None)
               for s, h in trainer.history.items()},
        checkpoints=paths,
        seconds=time.perf_counter() - start)
    text = json.dumps(summary, indent=2, sort_keys=True) + '\n'
    atomic_write_bytes(osp.join(work_dir, TRAIN_SUMMARY_NAME), text.encode())
    return summary


def train_summary_line(summary: Mapping[str, Any]) -> str:
    """The one-line summary of :func:`train_usam`."""
    final = summary['final'].get('student') or {}
    text = (f"train_usam: {len(summary['classes'])} classes, "
            f"{summary['num_trained']} example images ({summary['embedded']}"
            f" embedded now, {summary['cached']} cached, "
            f"{len(summary['failed'])} unreadable); student loss "
            f"{final.get('loss', float('nan')):.4f} (MIL "
            f"{final.get('loss_mil', float('nan')):.4f}); "
            f"{summary['seconds']:.1f} s -> "
            f"{summary['checkpoints']['student']}")
    if summary.get('untrained_sam'):
        text += ' [UNTRAINED random-init SAM: the classifier is meaningless]'
    return text


def add_usam_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--usam-*`` flags of ``tools/annotate.py`` (all default None).

    U-SAM also reads the shared flags ``--classes``,
    ``--unassigned-label``, ``--sam-model-type``, ``--sam-checkpoint``,
    ``--random-init`` and ``--device``.
    """
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


def _labeler_options(args: Any) -> Dict[str, Any]:
    return _drop_none(
        dict(
            confidence_threshold=getattr(args, 'usam_confidence_threshold',
                                         None),
            nms_thresh=getattr(args, 'usam_nms_thresh', None)))


def build_usam_labeler(checkpoint: str,
                       classes: Union[None, str, Sequence[str]] = None,
                       metainfo_classes: Optional[Sequence[str]] = None,
                       unassigned_label: Optional[int] = None,
                       device: str = 'cpu',
                       **options: Any):
    """The labeler of a trained classifier, on the dataset's classes.

    Class names come from ``classes`` (file, dataset type, names), else the
    dataset's metainfo, else ``['background'] + classifier classes``.
    """
    import torch

    from mmseg_zsl.annotation.usam import USamLabeler
    if classes is not None or metainfo_classes:
        names = resolve_class_names(classes, metainfo_classes)[0]
    else:
        if not osp.isfile(checkpoint or ''):
            raise FileNotFoundError(
                f'U-SAM classifier {checkpoint!r} does not exist; train one '
                'with tools/train_usam.py and pass its student.pth '
                '(--usam-checkpoint).')
        meta = torch.load(checkpoint, map_location='cpu', weights_only=False)
        names = ['background'] + list(meta.get('class_names', []))
    unassigned = DEFAULT_UNASSIGNED_LABEL if unassigned_label is None \
        else unassigned_label
    return USamLabeler.from_checkpoint(
        checkpoint, names, device, unassigned_label=unassigned,
        **_drop_none(options))


def build_usam_annotation(args: Any,
                          metainfo_classes: Optional[Sequence[str]] = None
                          ) -> Tuple[Any, Any, Dict[str, Any]]:
    """Annotator, labeler and manifest entries from parsed CLI flags.

    Args:
        args: ``tools/annotate.py``'s namespace (:func:`add_usam_arguments`
            flags plus ``classes``, ``unassigned_label``, ``sam_model_type``,
            ``sam_checkpoint``, ``random_init``, ``device``).
        metainfo_classes (Sequence[str], optional): The input dataset's
            classes (config inputs).

    Returns:
        tuple: ``(annotator, labeler, manifest_settings)``;
        ``build_manifest(source=images.describe(), **manifest_settings)``
        makes the run's manifest (as for the prompted annotators).
    """
    from mmseg_zsl.annotation.usam import USamAnnotator
    device = getattr(args, 'device', None) or \
        DistInfo.from_env().default_device()
    checkpoint = getattr(args, 'usam_checkpoint', None)
    if not checkpoint:
        raise ValueError('U-SAM needs a trained classifier: pass '
                         '--usam-checkpoint <train work_dir>/student.pth '
                         '(made by tools/train_usam.py).')
    labeler = build_usam_labeler(checkpoint, getattr(args, 'classes', None),
                                 metainfo_classes,
                                 getattr(args, 'unassigned_label', None),
                                 device, **_labeler_options(args))
    trained = labeler.checkpoint_meta['sam']
    random_init = getattr(args, 'random_init', None)
    sam_model_type = getattr(args, 'sam_model_type', None)
    if random_init != 'tiny':
        sam_model_type = sam_model_type or trained['model_type']
    identity = sam_identity(sam_model_type, random_init)
    if identity != trained:
        raise ValueError(
            f'{checkpoint} was trained on mask embeddings of SAM {trained}, '
            f'but this run uses {identity}: embeddings of another SAM do '
            'not fit it. Use the same SAM as in training.')
    sam, models, _ = build_usam_sam(sam_model_type,
                                    getattr(args, 'sam_checkpoint', None),
                                    random_init, device)
    embedder = build_embedder(
        sam,
        dict(
            points_per_side=getattr(args, 'usam_points_per_side', None)
            or labeler.checkpoint_meta['embedder']['points_per_side'],
            points_per_batch=getattr(args, 'usam_points_per_batch', None),
            mask_selection=getattr(args, 'usam_mask_selection', None)))
    if embedder.embed_dim != labeler.classifier.in_channels:
        raise ValueError(
            f'This SAM gives {embedder.embed_dim}-d mask embeddings; the '
            f'classifier {checkpoint} takes '
            f'{labeler.classifier.in_channels}-d ones.')
    annotator = USamAnnotator(embedder)
    return annotator, labeler, dict(
        annotator=annotator.kind,
        models=models,
        annotator_settings=annotator.settings(),
        labels=labeler.settings(),
        random_init=random_init)
