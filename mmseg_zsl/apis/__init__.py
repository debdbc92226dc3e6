"""Library entry points that the tools call."""
from .annotate import (annotate_dataset, build_text_encoder, build_vocabulary,
                       build_zero_shot_models, relabel_dataset)
from .classes import resolve_class_names
from .dist import DistInfo
from .inputs import ImageSource, check_unique_stems, image_stem, list_images
from .manifest import read_manifest
from .run_loop import (cached_stems, output_paths, read_image, run_annotation,
                       run_relabel)
from .summary import RunSummary

__all__ = [
    'annotate_dataset', 'build_text_encoder', 'build_vocabulary',
    'build_zero_shot_models', 'relabel_dataset', 'resolve_class_names',
    'DistInfo', 'ImageSource', 'check_unique_stems', 'image_stem',
    'list_images', 'read_manifest', 'cached_stems', 'output_paths',
    'read_image', 'run_annotation', 'run_relabel', 'RunSummary'
]
