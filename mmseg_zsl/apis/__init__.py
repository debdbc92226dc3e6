"""Library entry points of annotation, calibration and U-SAM training.

:func:`annotate` / :func:`relabel` run every labelling mode through one
engine (:mod:`.engine`); the modes live in :mod:`.modes`, the command-line
flags in :mod:`.cli`.
"""
from .calibrate import (annotate_options_from_settings, calibrate_zero_shot,
                        relabel_with_settings)
from .classes import resolve_class_names
from .dist import DistInfo
from .engine import annotate, relabel, run_annotation, run_relabel
from .inputs import ImageSource, check_unique_stems, list_images, read_image
from .modes import MODES, AnnotationMode, ModeSetup, get_mode, register_mode
from .summary import RunSummary
from .usam_eval import evaluate_usam_masks
from .usam_training import train_usam

__all__ = [
    'annotate', 'relabel', 'run_annotation', 'run_relabel',
    'annotate_options_from_settings', 'calibrate_zero_shot',
    'relabel_with_settings', 'resolve_class_names', 'DistInfo',
    'ImageSource', 'check_unique_stems', 'list_images', 'read_image', 'MODES',
    'AnnotationMode', 'ModeSetup', 'get_mode', 'register_mode', 'RunSummary',
    'evaluate_usam_masks', 'train_usam'
]
