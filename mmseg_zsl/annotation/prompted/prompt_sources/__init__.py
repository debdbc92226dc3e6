"""Readers of weak annotations (boxes, points, scribbles) as SAM prompts."""
from .base import (PROMPT_KINDS, ClassIndex, ImagePrompts, MissingPromptsError,
                   PromptGroup, PromptSource)
from .coco_json import COCOJSONSource
from .prompt_json import (PromptJSONSource, parse_prompt_entry,
                          write_prompt_entries)
from .scribble_png import (convert_scribble_pngs, read_index_png,
                           scribbles_from_label_map)
from .toy_world import toy_world_prompt_entry, write_toy_world_prompts
from .voc_xml import VOCXMLSource, parse_voc_xml

#: Prompt source classes by their format name.
PROMPT_SOURCES = {
    cls.format: cls
    for cls in (VOCXMLSource, COCOJSONSource, PromptJSONSource)
}

__all__ = [
    'PROMPT_KINDS', 'PROMPT_SOURCES', 'ClassIndex', 'ImagePrompts',
    'MissingPromptsError', 'PromptGroup', 'PromptSource', 'COCOJSONSource',
    'PromptJSONSource', 'parse_prompt_entry', 'write_prompt_entries',
    'convert_scribble_pngs', 'read_index_png', 'scribbles_from_label_map',
    'toy_world_prompt_entry', 'write_toy_world_prompts', 'VOCXMLSource',
    'parse_voc_xml'
]
