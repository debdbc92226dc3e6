"""Refinement: a trained model's confident predictions over the zero-shot
labels, offline (the paper's Eq. 7 applied once to whole images, optionally
decided per SAM segment); the engine's ``refine`` mode."""
from .refiner import RefineAnnotator, label_from_record
from .rules import refine_label, segment_owner

__all__ = [
    'RefineAnnotator', 'label_from_record', 'refine_label', 'segment_owner'
]
