"""Calibrating the zero-shot labeller on labelled images.

From the annotation cache only (no SAM, no CLIP image tower; the CLIP text
tower for candidate prompts), search the similarity threshold (global and
per class) and each class's prompts to maximise pseudo-label mIoU against
the ground truth of the labelled split, cross-validate, and write settings
that ``tools/annotate.py`` and ``--relabel`` take. Not imported by
``import mmseg_zsl``.
"""
from mmseg_zsl.utils import read_ground_truth
from .calibration_data import CalibrationData
from .evaluation import (areas_from_mask_labels, evaluate_exact,
                         mask_labels_exact)
from .fitting import STAGES, LabelState, SearchOptions, fit_stages
from .ground_truth import DEFAULT_IGNORE_INDEX, ground_truth_paths
from .image_stats import ImageStats, compute_image_stats, painting_rank
from .loading import load_calibration_data
from .metrics import IoUAreas, iou_percent, miou_percent
from .prompts import (CANDIDATE_TEMPLATES, PromptCandidate, PromptSpace,
                      class_candidates, read_synonyms)
from .report import build_report, format_report
from .runner import (BaseLabels, CalibrationResult, choose_stage, fold_indices,
                     run_calibration)
from .search_state import SearchState
from .settings import (CalibrationSettings, load_calibration_settings,
                       save_calibration_settings)
from .threshold_search import (candidate_thresholds, choose_threshold,
                               search_global_threshold, sweep_thresholds)

__all__ = [
    'CalibrationData', 'areas_from_mask_labels', 'evaluate_exact',
    'mask_labels_exact', 'STAGES', 'LabelState', 'SearchOptions',
    'fit_stages', 'DEFAULT_IGNORE_INDEX', 'ground_truth_paths',
    'read_ground_truth', 'ImageStats',
    'compute_image_stats', 'painting_rank', 'load_calibration_data',
    'IoUAreas', 'iou_percent', 'miou_percent', 'CANDIDATE_TEMPLATES',
    'PromptCandidate', 'PromptSpace', 'class_candidates', 'read_synonyms',
    'build_report', 'format_report', 'BaseLabels', 'CalibrationResult',
    'choose_stage', 'fold_indices', 'run_calibration',
    'CalibrationSettings', 'load_calibration_settings',
    'save_calibration_settings', 'candidate_thresholds', 'choose_threshold',
    'SearchState', 'search_global_threshold', 'sweep_thresholds'
]
