"""Zero-shot annotation: SAM segments labelled with GEM dense CLIP features.

The only package of mmseg_zsl that imports ``segment_anything`` and
``open_clip`` (lazily, inside the functions that need them). It is not
imported by ``import mmseg_zsl``: training needs neither.
"""
from .annotator import AnnotationResult, BaseAnnotator, ZeroShotAnnotator
from .assignment import assign_labels
from .cache import ImageRecord, atomic_write_bytes
from .clip_models import build_open_clip, build_random_clip
from .gem import GEMDenseCLIP, resample_pos_embed, self_self_attention
from .labeler import ZeroShotLabeler, label_record
from .painting import paint_label_map
from .pooling import interpolation_matrix, sam_pooling
from .preprocess import clip_input_size, preprocess_for_clip
from .prompt_building import MASK_CHOICES
from .prompt_sources import (ClassIndex, COCOJSONSource, ImagePrompts,
                             MissingPromptsError, PromptGroup,
                             PromptJSONSource, PromptSource, VOCXMLSource)
from .prompted_annotator import (BoxPromptAnnotator, PointPromptAnnotator,
                                 PromptedAnnotator)
from .prompted_labeler import PromptedLabeler
from .sam import (SAM_CHECKPOINT_URLS, SamMaskGenerator, build_random_sam,
                  build_sam, sam_generator_defaults)
from .text import (DEFAULT_TEMPLATES, ClassVocabulary, CLIPTextEncoder,
                   encode_class_prompts, read_class_file)
from .usam import (MaskClassifier, SamMaskEmbedder, USamAnnotator, USamLabeler,
                   USamTrainConfig, USamTrainer)

__all__ = [
    'AnnotationResult', 'BaseAnnotator', 'ZeroShotAnnotator', 'assign_labels',
    'ImageRecord', 'atomic_write_bytes', 'build_open_clip',
    'build_random_clip', 'GEMDenseCLIP', 'resample_pos_embed',
    'self_self_attention', 'ZeroShotLabeler', 'label_record',
    'paint_label_map', 'interpolation_matrix', 'sam_pooling',
    'clip_input_size', 'preprocess_for_clip', 'SAM_CHECKPOINT_URLS',
    'SamMaskGenerator', 'build_random_sam', 'build_sam',
    'sam_generator_defaults', 'DEFAULT_TEMPLATES', 'ClassVocabulary',
    'CLIPTextEncoder', 'encode_class_prompts', 'read_class_file',
    'MASK_CHOICES', 'ClassIndex', 'COCOJSONSource', 'ImagePrompts',
    'MissingPromptsError', 'PromptGroup', 'PromptJSONSource', 'PromptSource',
    'VOCXMLSource', 'BoxPromptAnnotator', 'PointPromptAnnotator',
    'PromptedAnnotator', 'PromptedLabeler', 'MaskClassifier',
    'SamMaskEmbedder', 'USamAnnotator', 'USamLabeler', 'USamTrainConfig',
    'USamTrainer'
]
