"""``annotate_dataset`` and ``relabel_dataset``: what tools/annotate.py runs.

Library defaults live here once (model names) or in the classes they
belong to (SAM's generator, GEM, the CLIP input size); options left as None
are not passed on.
"""
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from mmseg_zsl.annotation.text import (DEFAULT_BACKGROUND_NAMES,
                                       DEFAULT_TEMPLATES, ClassVocabulary,
                                       ThresholdSpec)
from .classes import resolve_class_names
from .dist import DistInfo
from .inputs import DEFAULT_DATASET_KEY, image_stem, list_images
from .manifest import build_manifest, check_resume, normalise_json
from .run_loop import cached_stems, run_annotation, run_relabel
from .summary import RunSummary

DEFAULT_SAM_MODEL_TYPE = 'vit_h'
#: OpenAI's ViT-B/16 as GEM and the paper use it (QuickGELU activations).
DEFAULT_CLIP_MODEL = 'ViT-B-16-quickgelu'
DEFAULT_CLIP_PRETRAINED = 'openai'
#: Label of pixels no assigned segment covers: PASCAL/COCO background.
DEFAULT_UNASSIGNED_LABEL = 0
#: Seed of the untrained models of ``random_init`` (same on every rank).
RANDOM_INIT_SEED = 0
RANDOM_INIT_CHOICES = ('tiny', 'full')
#: Generator settings of ``random_init='tiny'`` runs (smoke tests, demos)
#: unless set explicitly: untrained SAM's quality scores are noise that SAM's
#: filters would reject entirely, and a 8x8 point grid keeps them quick.
#: 'full' keeps SAM's defaults, so its timings are those of real runs.
TINY_INIT_GENERATOR = dict(
    points_per_side=8, pred_iou_thresh=0.0, stability_score_thresh=0.0)


def _drop_none(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    return {k: v for k, v in (options or {}).items() if v is not None}


def build_zero_shot_models(sam_model_type: Optional[str] = None,
                           sam_checkpoint: Optional[str] = None,
                           sam_generator: Optional[Mapping] = None,
                           clip_model: Optional[str] = None,
                           clip_pretrained: Optional[str] = None,
                           gem: Optional[Mapping] = None,
                           clip_input: Optional[Mapping] = None,
                           random_init: Optional[str] = None,
                           device: str = 'cpu',
                           clip_cache_dir: Optional[str] = None):
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

    Returns:
        tuple[ZeroShotAnnotator, dict]: The annotator and the ``models``
        entry of the manifest.
    """
    from mmseg_zsl.annotation import (GEMDenseCLIP, SamMaskGenerator,
                                      ZeroShotAnnotator, build_open_clip,
                                      build_random_clip, build_random_sam,
                                      build_sam)
    sam_model_type = sam_model_type or DEFAULT_SAM_MODEL_TYPE
    clip_model = clip_model or DEFAULT_CLIP_MODEL
    if random_init is not None:
        if random_init not in RANDOM_INIT_CHOICES:
            raise ValueError(f'random_init must be one of '
                             f'{RANDOM_INIT_CHOICES}, got {random_init!r}.')
        if random_init == 'tiny':
            sam_generator = dict(TINY_INIT_GENERATOR,
                                 **_drop_none(sam_generator))
        sam = build_random_sam(random_init, sam_model_type, RANDOM_INIT_SEED,
                               device)
        clip_net, tokenizer = build_random_clip(random_init, clip_model,
                                                RANDOM_INIT_SEED, device)
        models = _random_models(random_init, sam_model_type, clip_model)
    else:
        clip_pretrained = clip_pretrained or DEFAULT_CLIP_PRETRAINED
        sam = build_sam(sam_model_type, sam_checkpoint, device)
        clip_net, tokenizer = build_open_clip(
            clip_model, clip_pretrained, device, cache_dir=clip_cache_dir)
        models = dict(
            sam=dict(model_type=sam_model_type, checkpoint=sam_checkpoint),
            clip=dict(model_name=clip_model, pretrained=clip_pretrained))
    clip = GEMDenseCLIP(clip_net, tokenizer=tokenizer, **_drop_none(gem))
    annotator = ZeroShotAnnotator(
        SamMaskGenerator(sam, **_drop_none(sam_generator)), clip,
        **_drop_none(clip_input))
    return annotator, models


def _random_models(random_init: str, sam_model_type: str,
                   clip_model: str) -> Dict:
    note = f'UNTRAINED random weights (random_init={random_init!r}, seed ' \
           f'{RANDOM_INIT_SEED})'
    if random_init == 'tiny':
        return dict(
            sam=dict(model_type='tiny', checkpoint=None, note=note),
            clip=dict(model_name='tiny', pretrained=None, note=note))
    return dict(
        sam=dict(model_type=sam_model_type, checkpoint=None, note=note),
        clip=dict(model_name=clip_model, pretrained=None, note=note))


def build_text_encoder(models: Mapping, random_init: Optional[str],
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
        background_names: Optional[Sequence[str]] = None
) -> ClassVocabulary:
    """Class names (file, dataset type or metainfo) and their prompts."""
    names, display_names = resolve_class_names(classes, metainfo_classes)
    return ClassVocabulary.build(
        names,
        display_names,
        templates=templates or DEFAULT_TEMPLATES,
        class_prompts=class_prompts,
        background_names=DEFAULT_BACKGROUND_NAMES
        if background_names is None else background_names)


def annotate_dataset(source: str,
                     out_dir: str,
                     threshold: ThresholdSpec,
                     classes: Union[None, str, Sequence[str]] = None,
                     templates: Optional[Sequence[str]] = None,
                     class_prompts: Optional[Mapping[str,
                                                     Sequence[str]]] = None,
                     background_names: Optional[Sequence[str]] = None,
                     unassigned_label: Optional[int] = None,
                     data_root: Optional[str] = None,
                     dataset_key: Optional[str] = None,
                     overwrite: bool = False,
                     relabel: bool = False,
                     device: Optional[str] = None,
                     progress: bool = True,
                     **model_options: Any) -> Tuple[RunSummary, RunSummary]:
    """Zero-shot labels of a dataset's images (or ``relabel`` from cache).

    Args:
        source (str): mmseg config, split file or image folder
            (:func:`~mmseg_zsl.apis.inputs.list_images`).
        out_dir (str): Output directory.
        threshold (float | Mapping[str, float]): Similarity threshold
            ``tau_zs`` (required; no default exists), or per class name with
            an optional 'default'.
        classes (None | str | Sequence[str]): Class file, mmseg dataset type
            or names; None takes the config dataset's metainfo.
        templates (Sequence[str], optional): Prompt templates. Defaults to
            ``('a photo of a {}.',)``.
        class_prompts (Mapping, optional): Full prompts for some classes.
        background_names (Sequence[str], optional): Classes not queried
            with text. Defaults to ``('background',)``.
        unassigned_label (int, optional): 0 (background, default) or 255.
        data_root (str, optional): Root of a split file's paths.
        dataset_key (str, optional): Dataset key in a config.
        overwrite (bool): Redo images already done.
        relabel (bool): Rewrite the labels from the cache only.
        device (str, optional): Defaults to this rank's GPU, else CPU.
        progress (bool): Show a progress bar.
        **model_options: :func:`build_zero_shot_models` arguments.

    Returns:
        tuple[RunSummary, RunSummary]: This rank's and the merged summary.
    """
    dist = DistInfo.from_env()
    device = device or dist.default_device()
    images = list_images(source, data_root, dataset_key
                         or DEFAULT_DATASET_KEY)
    vocabulary = build_vocabulary(classes, images.classes, templates,
                                  class_prompts, background_names)
    if relabel:
        return relabel_dataset(out_dir, vocabulary, threshold,
                               unassigned_label,
                               [image_stem(p) for p in images.paths], device,
                               progress, dist,
                               model_options.get('clip_pretrained'))
    unassigned = DEFAULT_UNASSIGNED_LABEL if unassigned_label is None \
        else unassigned_label
    from mmseg_zsl.annotation import ZeroShotLabeler
    annotator, models = build_zero_shot_models(device=device, **model_options)
    labeler = ZeroShotLabeler.from_vocabulary(vocabulary,
                                              annotator.clip.encode_text,
                                              threshold, unassigned)
    manifest = build_manifest(annotator.kind, models, annotator.settings(),
                              labeler.settings(),
                              model_options.get('random_init'),
                              images.describe())

    def make_manifest(old: Optional[Dict]) -> Dict:
        if not overwrite:
            check_resume(old, manifest, out_dir)
        return manifest

    return run_annotation(images.paths, out_dir, annotator, labeler,
                          make_manifest, overwrite, dist, progress)


def relabel_dataset(out_dir: str,
                    vocabulary: ClassVocabulary,
                    threshold: ThresholdSpec,
                    unassigned_label: Optional[int] = None,
                    stems: Optional[Sequence[str]] = None,
                    device: str = 'cpu',
                    progress: bool = True,
                    dist: Optional[DistInfo] = None,
                    clip_pretrained: Optional[str] = None
                    ) -> Tuple[RunSummary, RunSummary]:
    """Rewrite labels from the cache with new classes/prompts/threshold.

    Loads only the CLIP text tower named in the manifest.

    Args:
        out_dir (str): A directory written by :func:`annotate_dataset`.
        vocabulary (ClassVocabulary): Classes and prompts.
        threshold (float | Mapping[str, float]): New threshold(s).
        unassigned_label (int, optional): 0 or 255; None keeps the
            manifest's.
        stems (Sequence[str], optional): Images to relabel; all cached
            ones by default.
        device (str): Device of the text tower.
        progress (bool): Show a progress bar.
        dist (DistInfo, optional): Sharding; torchrun's by default.
        clip_pretrained (str, optional): Replaces the manifest's CLIP
            checkpoint path.
    """
    from mmseg_zsl.annotation import ZeroShotLabeler
    from .manifest import read_manifest
    dist = dist or DistInfo.from_env()
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(
            f'{out_dir} has no manifest.json: annotate it first (relabel '
            'rewrites labels from an existing annotation cache).')
    if manifest.get('annotator') != 'zero-shot':
        raise ValueError(f'{out_dir} was made by the '
                         f"{manifest.get('annotator')!r} annotator; text "
                         'relabelling needs zero-shot segment embeddings.')
    if unassigned_label is None:
        unassigned_label = manifest['labels']['unassigned_label']
    encoder = build_text_encoder(manifest['models'],
                                 manifest.get('random_init'), device,
                                 clip_pretrained)
    labeler = ZeroShotLabeler.from_vocabulary(vocabulary, encoder, threshold,
                                              unassigned_label)

    def make_manifest(old: Optional[Dict]) -> Dict:
        new = dict(old or manifest)
        labels = labeler.settings()
        if normalise_json(new.get('labels')) != normalise_json(labels):
            new['history'] = list(new.get('history', [])) + [new['labels']]
            new['labels'] = labeler.settings()
        return new

    return run_relabel(
        cached_stems(out_dir) if stems is None else stems, out_dir, labeler,
        make_manifest, dist, progress)
