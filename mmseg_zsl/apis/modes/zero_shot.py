"""The paper's mode: SAM's automatic masks labelled with GEM CLIP features.

Library defaults live here once (model names) or in the classes they belong
to (SAM's generator, GEM, the CLIP input size); options left as None are not
passed on.
"""
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from mmseg_zsl.annotation.base import (DEFAULT_BACKGROUND_NAMES,
                                       DEFAULT_UNASSIGNED_LABEL)
from mmseg_zsl.annotation.fast_sam import FAST_POINTS_PER_BATCH
from mmseg_zsl.annotation.sam import RANDOM_INIT_SEED, untrained_note
from mmseg_zsl.annotation.zero_shot.labeler import ZeroShotLabeler
from mmseg_zsl.annotation.zero_shot.text import (DEFAULT_TEMPLATES,
                                                 ClassVocabulary)
from mmseg_zsl.utils.options import drop_none
from ..classes import resolve_class_names
from ..inputs import ImageSource
from .base import AnnotationMode, Labeler, ModeSetup

#: OpenAI's ViT-B/16 as GEM and the paper use it (QuickGELU activations).
DEFAULT_CLIP_MODEL = 'ViT-B-16-quickgelu'
DEFAULT_CLIP_PRETRAINED = 'openai'
#: Generator settings of ``random_init='tiny'`` runs (smoke tests, demos)
#: unless set explicitly: untrained SAM's quality scores are noise that SAM's
#: filters would reject entirely, and a 8x8 point grid keeps them quick.
#: 'full' keeps SAM's defaults, so its timings are those of real runs.
TINY_INIT_GENERATOR = dict(
    points_per_side=8, pred_iou_thresh=0.0, stability_score_thresh=0.0)
#: Options that say how pixels are labelled (a relabel may change them).
LABEL_OPTIONS = ('threshold', 'settings', 'classes', 'templates',
                 'class_prompts', 'background_names', 'unassigned_label')
#: Options of the models (fixed by the cache, except the CLIP checkpoint
#: path and download cache of the text tower).
MODEL_OPTIONS = ('sam_model_type', 'sam_checkpoint', 'sam_generator',
                 'clip_model', 'clip_pretrained', 'clip_cache_dir', 'gem',
                 'clip_input', 'random_init', 'precision', 'compile')


def build_zero_shot_models(sam_model_type: Optional[str] = None,
                           sam_checkpoint: Optional[str] = None,
                           sam_generator: Optional[Mapping] = None,
                           clip_model: Optional[str] = None,
                           clip_pretrained: Optional[str] = None,
                           gem: Optional[Mapping] = None,
                           clip_input: Optional[Mapping] = None,
                           random_init: Optional[str] = None,
                           device: str = 'cpu',
                           clip_cache_dir: Optional[str] = None,
                           precision: Optional[str] = None,
                           compile: Optional[bool] = None):
    """The zero-shot annotator (without labeler) and its model record.

    Args:
        sam_model_type (str, optional): 'vit_h' (default), 'vit_l', 'vit_b'.
        sam_checkpoint (str, optional): SAM weights (required unless
            ``random_init``).
        sam_generator (Mapping, optional): SamAutomaticMaskGenerator
            parameters to change.
        clip_model (str, optional): open_clip model name. Defaults to
            'ViT-B-16-quickgelu'.
        clip_pretrained (str, optional): open_clip tag or checkpoint path.
            Defaults to 'openai'.
        gem (Mapping, optional): ``gem_depth``, ``ss_attn_iter``,
            ``ss_attn_temp``.
        clip_input (Mapping, optional): ``image_size``, ``resize_mode``.
        random_init (str, optional): 'tiny' or 'full': UNTRAINED random
            models (smoke tests, demos, benchmarks), no checkpoints. 'tiny'
            also changes SAM's generator defaults to
            :data:`TINY_INIT_GENERATOR` (quality filters off, 8x8 points)
            unless given.
        device (str): Device of the models.
        clip_cache_dir (str, optional): open_clip's download cache.
        precision (str, optional): SAM's tier: 'exact' (default,
            byte-identical to segment_anything) or 'fast'
            (:mod:`~mmseg_zsl.annotation.fast_sam`; decoder batches of
            256 points unless ``sam_generator`` sets them).
        compile (bool, optional): ``torch.compile`` the fast tier's SAM
            image encoder.

    Returns:
        tuple[ZeroShotAnnotator, dict]: The annotator and the ``models``
        entry of the manifest.
    """
    from mmseg_zsl.annotation import (GEMDenseCLIP, SamMaskGenerator,
                                      ZeroShotAnnotator, build_open_clip,
                                      build_random_clip, build_run_sam)
    clip_model = clip_model or DEFAULT_CLIP_MODEL
    sam, sam_record = build_run_sam(sam_model_type, sam_checkpoint,
                                    random_init, device, precision, compile)
    if precision == 'fast':
        sam_generator = dict(
            dict(points_per_batch=FAST_POINTS_PER_BATCH),
            **drop_none(sam_generator))
    if random_init is not None:
        if random_init == 'tiny':
            sam_generator = dict(TINY_INIT_GENERATOR,
                                 **drop_none(sam_generator))
        clip_net, tokenizer = build_random_clip(random_init, clip_model,
                                                RANDOM_INIT_SEED, device)
        clip_record = dict(
            model_name='tiny' if random_init == 'tiny' else clip_model,
            pretrained=None,
            note=untrained_note(random_init))
    else:
        clip_pretrained = clip_pretrained or DEFAULT_CLIP_PRETRAINED
        clip_net, tokenizer = build_open_clip(
            clip_model, clip_pretrained, device, cache_dir=clip_cache_dir)
        clip_record = dict(model_name=clip_model, pretrained=clip_pretrained)
    clip = GEMDenseCLIP(clip_net, tokenizer=tokenizer, **drop_none(gem))
    annotator = ZeroShotAnnotator(
        SamMaskGenerator(sam, **drop_none(sam_generator)), clip,
        **drop_none(clip_input))
    return annotator, dict(sam=sam_record, clip=clip_record)


def build_text_encoder(models: Mapping,
                       random_init: Optional[str],
                       device: str = 'cpu',
                       clip_pretrained: Optional[str] = None,
                       clip_cache_dir: Optional[str] = None):
    """The CLIP text tower recorded in a manifest (no SAM, no image tower).

    ``clip_pretrained`` replaces the recorded checkpoint path (if the file
    moved).
    """
    from mmseg_zsl.annotation import (CLIPTextEncoder, build_open_clip,
                                      build_random_clip)
    clip = models['clip']
    if random_init is not None:
        model, tokenizer = build_random_clip(
            random_init,
            clip['model_name'],
            RANDOM_INIT_SEED,
            device,
            text_only=True)
    else:
        model, tokenizer = build_open_clip(
            clip['model_name'],
            clip_pretrained or clip['pretrained'],
            device,
            cache_dir=clip_cache_dir,
            text_only=True)
    return CLIPTextEncoder(model, tokenizer)


def build_vocabulary(
        classes: Union[None, str, Sequence[str]],
        metainfo_classes: Optional[Sequence[str]] = None,
        templates: Optional[Sequence[str]] = None,
        class_prompts: Optional[Mapping[str, Sequence[str]]] = None,
        background_names: Optional[Sequence[str]] = None,
        display_names: Optional[Sequence[str]] = None) -> ClassVocabulary:
    """Class names (file, dataset type or metainfo) and their prompts;
    ``display_names`` replaces the names' default display names."""
    names, default_display_names = resolve_class_names(
        classes, metainfo_classes)
    return ClassVocabulary.build(
        names,
        default_display_names if display_names is None else display_names,
        templates=templates or DEFAULT_TEMPLATES,
        class_prompts=class_prompts,
        background_names=DEFAULT_BACKGROUND_NAMES
        if background_names is None else background_names)


class ZeroShotMode(AnnotationMode):
    """``zero-shot``: SAM segments + GEM dense CLIP features (the paper).

    Options: ``threshold`` (required unless a ``settings`` file of
    ``tools/calibrate_zero_shot.py`` gives it; a number or
    ``{class: threshold, 'default': t}``), ``classes``, ``templates``,
    ``class_prompts``, ``background_names``, ``unassigned_label`` and the
    model options of :func:`build_zero_shot_models`.
    """
    kinds = ('zero-shot', )
    options = LABEL_OPTIONS + MODEL_OPTIONS

    def build(self, kind: str, images: ImageSource, device: str,
              **options: Any) -> ModeSetup:
        self.check_options(options)
        # The classes first: a wrong class list fails before SAM loads.
        vocabulary, threshold, unassigned = _label_settings(images, options)
        annotator, models = build_zero_shot_models(
            device=device,
            **{k: v
               for k, v in options.items() if k in MODEL_OPTIONS})
        labeler = ZeroShotLabeler.from_vocabulary(
            vocabulary, annotator.clip.encode_text, threshold,
            DEFAULT_UNASSIGNED_LABEL if unassigned is None else unassigned)
        return ModeSetup(
            annotator, labeler,
            dict(
                annotator=annotator.kind,
                models=models,
                annotator_settings=annotator.settings(),
                labels=labeler.settings(),
                random_init=options.get('random_init')))

    def relabeler(self, manifest: Dict[str, Any], images: ImageSource,
                  device: str, **options: Any) -> Labeler:
        """Label settings not given keep the manifest's: its classes and
        prompts (unless the options or the source's dataset name classes),
        threshold and unassigned label."""
        self.check_options(options)
        vocabulary, threshold, unassigned = _label_settings(
            images, options, manifest['labels'])
        encoder = build_text_encoder(manifest['models'],
                                     manifest.get('random_init'), device,
                                     options.get('clip_pretrained'),
                                     options.get('clip_cache_dir'))
        return ZeroShotLabeler.from_vocabulary(
            vocabulary, encoder, threshold,
            manifest['labels']['unassigned_label']
            if unassigned is None else unassigned)


def _label_settings(images: ImageSource,
                    options: Dict[str, Any],
                    recorded: Optional[Dict[str, Any]] = None
                    ) -> Tuple[ClassVocabulary, Any, Optional[int]]:
    """Vocabulary, threshold and unassigned label (None: not given) from
    the options, a settings file and, for a relabel, the ``recorded`` label
    settings of the manifest."""
    labels = drop_none({k: options.get(k) for k in LABEL_OPTIONS})
    if recorded is not None and 'settings' not in labels:
        labels.setdefault('threshold', recorded['threshold'])
        if not set(labels) & {'classes', 'templates', 'class_prompts',
                              'background_names'} \
                and not images.classes:  # nothing new: the recorded prompts
            return ClassVocabulary(
                recorded['classes'], recorded['display_names'],
                recorded['text_class_ids'], recorded['prompts'],
                recorded['templates']), labels['threshold'], labels.get(
                    'unassigned_label')
        if 'classes' not in labels and not images.classes:
            labels['classes'] = recorded['classes']
    settings = labels.pop('settings', None)
    display_names = None
    if settings is not None:
        from mmseg_zsl.calibration import (CalibrationSettings,
                                           load_calibration_settings)
        if not isinstance(settings, CalibrationSettings):
            settings = load_calibration_settings(settings)
        if 'classes' not in labels:  # the file's classes, as it names them
            display_names = settings.display_names
        labels = {**settings.annotate_options(), **labels}
    if labels.get('threshold') is None:
        raise ValueError('Zero-shot labels need a similarity threshold: '
                         'pass --threshold (threshold=...) or a calibration '
                         '--settings file that gives one.')
    vocabulary = build_vocabulary(
        labels.get('classes'), images.classes, labels.get('templates'),
        labels.get('class_prompts'), labels.get('background_names'),
        display_names)
    return vocabulary, labels['threshold'], labels.get('unassigned_label')
