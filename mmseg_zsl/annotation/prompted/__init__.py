"""SAM prompted by weak annotations: boxes, points, scribbles."""
from .annotator import (BoxPromptAnnotator, PointPromptAnnotator,
                        PromptedAnnotator)
from .labeler import PromptedLabeler
from .prompt_building import MASK_CHOICES
from .prompt_sources import (PROMPT_KINDS, PROMPT_SOURCES, ClassIndex,
                             COCOJSONSource, ImagePrompts, MissingPromptsError,
                             PromptGroup, PromptJSONSource, PromptSource,
                             VOCXMLSource)

__all__ = [
    'BoxPromptAnnotator', 'PointPromptAnnotator', 'PromptedAnnotator',
    'PromptedLabeler', 'MASK_CHOICES', 'PROMPT_KINDS', 'PROMPT_SOURCES',
    'ClassIndex', 'COCOJSONSource', 'ImagePrompts', 'MissingPromptsError',
    'PromptGroup', 'PromptJSONSource', 'PromptSource', 'VOCXMLSource'
]
