"""Library entry points that the tools call."""
from .annotate import (annotate_dataset, build_text_encoder, build_vocabulary,
                       build_zero_shot_models, relabel_dataset)
from .calibrate import (annotate_options_from_settings, calibrate_zero_shot,
                        relabel_with_settings)
from .classes import resolve_class_names
from .dist import DistInfo
from .inputs import ImageSource, check_unique_stems, image_stem, list_images
from .manifest import read_manifest
from .prompted import (add_prompted_arguments, annotate_prompted_from_args,
                       build_prompted_annotation, make_prompted_annotation)
from .prompted_run import relabel_prompted_dataset, run_prompted_annotation
from .run_loop import (cached_stems, output_paths, read_image, run_annotation,
                       run_relabel)
from .summary import RunSummary
from .usam import add_usam_arguments, build_usam_annotation, train_usam
from .usam_eval import evaluate_usam_masks
from .usam_run import (annotate_usam_from_args, usam_annotate_dataset,
                       usam_relabel_dataset)

__all__ = [
    'annotate_dataset', 'build_text_encoder', 'build_vocabulary',
    'build_zero_shot_models', 'relabel_dataset', 'resolve_class_names',
    'DistInfo', 'ImageSource', 'check_unique_stems', 'image_stem',
    'list_images', 'read_manifest', 'cached_stems', 'output_paths',
    'read_image', 'run_annotation', 'run_relabel', 'RunSummary',
    'annotate_options_from_settings', 'calibrate_zero_shot',
    'relabel_with_settings', 'add_prompted_arguments',
    'annotate_prompted_from_args', 'build_prompted_annotation',
    'make_prompted_annotation', 'relabel_prompted_dataset',
    'run_prompted_annotation', 'add_usam_arguments', 'build_usam_annotation',
    'train_usam', 'evaluate_usam_masks', 'annotate_usam_from_args',
    'usam_annotate_dataset', 'usam_relabel_dataset'
]
