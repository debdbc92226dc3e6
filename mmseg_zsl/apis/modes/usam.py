"""``usam``: U-SAM's classifier labels SAM's grid masks (no CLIP).

The cache holds the d grid masks and their mask embeddings, so a relabel
applies a new confidence threshold, NMS threshold or classifier without SAM.
Options left as None keep the defaults of the classes
(:class:`~mmseg_zsl.annotation.usam.SamMaskEmbedder`,
:class:`~mmseg_zsl.annotation.usam.USamLabeler`).
"""
import os.path as osp
from typing import Any, Dict, Optional, Sequence, Union

from mmseg_zsl.annotation.base import DEFAULT_UNASSIGNED_LABEL
from mmseg_zsl.annotation.sam import DEFAULT_SAM_MODEL_TYPE, build_run_sam
from mmseg_zsl.utils.options import drop_none
from ..classes import resolve_class_names
from ..inputs import ImageSource
from .base import AnnotationMode, Labeler, ModeSetup

#: Options of the labeler (a relabel may change them).
LABELER_OPTIONS = ('checkpoint', 'classes', 'unassigned_label',
                   'confidence_threshold', 'nms_thresh')
#: Options of SAM and its point grid (fixed by the cache).
EMBEDDER_OPTIONS = ('sam_model_type', 'sam_checkpoint', 'random_init',
                    'precision', 'compile', 'points_per_side',
                    'points_per_batch', 'mask_selection')


def sam_identity(sam_model_type: Optional[str],
                 random_init: Optional[str]) -> Dict[str, Any]:
    """What a trained classifier must match: model type and random init.

    Mask embeddings of another SAM do not fit a classifier.
    """
    model_type = sam_model_type or DEFAULT_SAM_MODEL_TYPE
    return dict(
        model_type='tiny' if random_init == 'tiny' else model_type,
        random_init=random_init)


def build_embedder(sam: Any, options: Optional[Dict] = None):
    """:class:`SamMaskEmbedder` with the options that are set."""
    from mmseg_zsl.annotation.usam import SamMaskEmbedder
    return SamMaskEmbedder(sam, **drop_none(options))


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
    if not checkpoint:
        raise ValueError('U-SAM needs a trained classifier: pass '
                         '--usam-checkpoint <train work_dir>/student.pth '
                         '(made by tools/train_usam.py).')
    if classes is not None or metainfo_classes:
        names = resolve_class_names(classes, metainfo_classes)[0]
    else:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'U-SAM classifier {checkpoint!r} does not exist; train one '
                'with tools/train_usam.py and pass its student.pth '
                '(--usam-checkpoint).')
        meta = torch.load(checkpoint, map_location='cpu', weights_only=True)
        names = ['background'] + list(meta.get('class_names', []))
    unassigned = DEFAULT_UNASSIGNED_LABEL if unassigned_label is None \
        else unassigned_label
    return USamLabeler.from_checkpoint(
        checkpoint, names, device, unassigned_label=unassigned,
        **drop_none(options))


class USamMode(AnnotationMode):
    """``usam``: a trained U-SAM classifier (``tools/train_usam.py``).

    Options: ``checkpoint`` (required: ``<train work_dir>/student.pth``),
    ``classes`` (default: the dataset's, else background + the
    classifier's), ``unassigned_label``, ``confidence_threshold``,
    ``nms_thresh``, the SAM (``sam_model_type`` (default: the training
    SAM's), ``sam_checkpoint``, ``random_init``, ``precision``,
    ``compile``) and its grid
    (``points_per_side`` (default: training's), ``points_per_batch``,
    ``mask_selection``).
    """
    kinds = ('usam', )
    options = LABELER_OPTIONS + EMBEDDER_OPTIONS

    def build(self, kind: str, images: ImageSource, device: str,
              **options: Any) -> ModeSetup:
        from mmseg_zsl.annotation.usam import USamAnnotator
        self.check_options(options)
        checkpoint = options.get('checkpoint')
        labeler = build_usam_labeler(
            checkpoint, options.get('classes'), images.classes,
            options.get('unassigned_label'), device,
            confidence_threshold=options.get('confidence_threshold'),
            nms_thresh=options.get('nms_thresh'))
        trained = labeler.checkpoint_meta['sam']
        random_init = options.get('random_init')
        sam_model_type = options.get('sam_model_type')
        if random_init != 'tiny':
            sam_model_type = sam_model_type or trained['model_type']
        identity = sam_identity(sam_model_type, random_init)
        if identity != trained:
            raise ValueError(
                f'{checkpoint} was trained on mask embeddings of SAM '
                f'{trained}, but this run uses {identity}: embeddings of '
                'another SAM do not fit it. Use the same SAM as in training.')
        sam, sam_record = build_run_sam(sam_model_type,
                                        options.get('sam_checkpoint'),
                                        random_init, device,
                                        options.get('precision'),
                                        options.get('compile'))
        embedder = build_embedder(
            sam,
            dict(
                points_per_side=options.get('points_per_side')
                or labeler.checkpoint_meta['embedder']['points_per_side'],
                points_per_batch=options.get('points_per_batch'),
                mask_selection=options.get('mask_selection')))
        if embedder.embed_dim != labeler.classifier.in_channels:
            raise ValueError(
                f'This SAM gives {embedder.embed_dim}-d mask embeddings; the '
                f'classifier {checkpoint} takes '
                f'{labeler.classifier.in_channels}-d ones.')
        annotator = USamAnnotator(embedder)
        return ModeSetup(
            annotator, labeler,
            dict(
                annotator=annotator.kind,
                models=dict(sam=sam_record),
                annotator_settings=annotator.settings(),
                labels=labeler.settings(),
                random_init=random_init))

    def relabeler(self, manifest: Dict[str, Any], images: ImageSource,
                  device: str, **options: Any) -> Labeler:
        """Options left as None keep the manifest's (classifier, classes,
        thresholds, unassigned label)."""
        self.check_options(options)
        old: Dict[str, Any] = manifest['labels']

        def given(name: str, recorded: Any) -> Any:
            value = options.get(name)
            return recorded if value is None else value

        labeler = build_usam_labeler(
            given('checkpoint', old['classifier']['checkpoint']),
            given('classes', old['classes']),
            None,
            given('unassigned_label', old['unassigned_label']),
            device,
            confidence_threshold=given('confidence_threshold',
                                       old['confidence_threshold']),
            nms_thresh=given('nms_thresh', old['nms_thresh']))
        trained = labeler.checkpoint_meta['sam']
        if trained != old['classifier']['sam']:
            raise ValueError(
                f'The classifier was trained on SAM {trained}, the cache '
                f"holds embeddings of SAM {old['classifier']['sam']}.")
        return labeler
