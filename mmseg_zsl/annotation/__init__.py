"""Pseudo-label annotators, grouped by method, and what they share.

- :mod:`.zero_shot`: the paper's labeller (SAM segments + GEM CLIP);
- :mod:`.prompted`: SAM prompted by boxes, points or scribbles;
- :mod:`.usam`: U-SAM's classifier on SAM mask embeddings;
- shared: :mod:`.base` (annotator interface), :mod:`.sam` (building SAM,
  automatic masks), :mod:`.pooling` and :mod:`.painting`, :mod:`.cache`
  (the per-image record) and :mod:`.output_dir` (the directory layout).

The only package of mmseg_zsl that imports ``segment_anything`` and
``open_clip`` (lazily, inside the functions that need them). It is not
imported by ``import mmseg_zsl``: training needs neither.
"""
from .base import AnnotationResult, BaseAnnotator
from .cache import ImageRecord
from .painting import paint_label_map
from .pooling import interpolation_matrix, sam_pooling
from .prompted import (MASK_CHOICES, BoxPromptAnnotator, ClassIndex,
                       COCOJSONSource, ImagePrompts, MissingPromptsError,
                       PointPromptAnnotator, PromptedAnnotator,
                       PromptedLabeler, PromptGroup, PromptJSONSource,
                       PromptSource, VOCXMLSource)
from .sam import (SAM_CHECKPOINT_URLS, SamMaskGenerator, build_random_sam,
                  build_run_sam, build_sam, sam_generator_defaults)
from .usam import (MaskClassifier, SamMaskEmbedder, USamAnnotator, USamLabeler,
                   USamTrainConfig, USamTrainer)
from .zero_shot import (DEFAULT_TEMPLATES, ClassVocabulary, CLIPTextEncoder,
                        GEMDenseCLIP, ZeroShotAnnotator, ZeroShotLabeler,
                        assign_labels, build_open_clip, build_random_clip,
                        clip_input_size, encode_class_prompts, label_record,
                        preprocess_for_clip, read_class_file,
                        resample_pos_embed, self_self_attention)

__all__ = [
    'AnnotationResult', 'BaseAnnotator', 'ZeroShotAnnotator', 'assign_labels',
    'ImageRecord', 'build_open_clip', 'build_random_clip', 'GEMDenseCLIP',
    'resample_pos_embed', 'self_self_attention', 'ZeroShotLabeler',
    'label_record', 'paint_label_map', 'interpolation_matrix', 'sam_pooling',
    'clip_input_size', 'preprocess_for_clip', 'SAM_CHECKPOINT_URLS',
    'SamMaskGenerator', 'build_random_sam', 'build_run_sam', 'build_sam',
    'sam_generator_defaults', 'DEFAULT_TEMPLATES', 'ClassVocabulary',
    'CLIPTextEncoder', 'encode_class_prompts', 'read_class_file',
    'MASK_CHOICES', 'ClassIndex', 'COCOJSONSource', 'ImagePrompts',
    'MissingPromptsError', 'PromptGroup', 'PromptJSONSource', 'PromptSource',
    'VOCXMLSource', 'BoxPromptAnnotator', 'PointPromptAnnotator',
    'PromptedAnnotator', 'PromptedLabeler', 'MaskClassifier',
    'SamMaskEmbedder', 'USamAnnotator', 'USamLabeler', 'USamTrainConfig',
    'USamTrainer'
]
