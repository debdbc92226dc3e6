"""The paper's labeller: SAM segments, GEM dense CLIP features, class text."""
from .annotator import ZeroShotAnnotator
from .assignment import assign_labels
from .clip_models import build_open_clip, build_random_clip
from .gem import GEMDenseCLIP, resample_pos_embed, self_self_attention
from .labeler import ZeroShotLabeler, label_record
from .preprocess import clip_input_size, preprocess_for_clip
from .text import (DEFAULT_TEMPLATES, ClassVocabulary, CLIPTextEncoder,
                   encode_class_prompts, read_class_file)

__all__ = [
    'ZeroShotAnnotator', 'assign_labels', 'build_open_clip',
    'build_random_clip', 'GEMDenseCLIP', 'resample_pos_embed',
    'self_self_attention', 'ZeroShotLabeler', 'label_record',
    'clip_input_size', 'preprocess_for_clip', 'DEFAULT_TEMPLATES',
    'ClassVocabulary', 'CLIPTextEncoder', 'encode_class_prompts',
    'read_class_file'
]
