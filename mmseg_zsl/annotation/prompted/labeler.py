"""Label maps of prompted annotations: pure functions of the cache.

A prompted annotator caches each mask with the label id of the prompt that
made it (``field_class_id``) and SAM's predicted IoU
(``field_predicted_iou``), so labels are rebuilt from the cache without SAM
(e.g. with another ``unassigned_label``).
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..base import DEFAULT_BACKGROUND_NAMES, UNASSIGNED_LABELS
from ..cache import ImageRecord
from ..painting import paint_label_map
from .prompt_sources.base import ClassIndex


def background_ids(class_index: ClassIndex,
                   background_names: Sequence[str]) -> List[int]:
    """Label ids of the background names that are in the class list."""
    return sorted(
        class_index.id_of(n) for n in background_names
        if n in class_index.names)


class PromptedLabeler:
    """Paints cached prompted masks with their prompts' classes.

    Overlaps are resolved as in the zero-shot annotator: largest mask
    first, so smaller masks win; pixels no mask covers get
    ``unassigned_label``.

    Args:
        class_names (Sequence[str]): Classes, label id = position.
        unassigned_label (int): 0 (background) or 255 (ignore).
            Defaults to 0.
        background_names (Sequence[str]): Classes used only as negative
            prompts. Defaults to ('background',).
    """

    def __init__(self,
                 class_names: Sequence[str],
                 unassigned_label: int = 0,
                 background_names: Sequence[str] = DEFAULT_BACKGROUND_NAMES
                 ) -> None:
        if unassigned_label not in UNASSIGNED_LABELS:
            raise ValueError('unassigned_label must be 0 (background) or '
                             f'255 (ignore), got {unassigned_label}.')
        self.class_index = ClassIndex(class_names)
        self.background_names = list(background_names)
        if unassigned_label == 0 and 0 not in background_ids(
                self.class_index, self.background_names):
            raise ValueError(
                f'unassigned_label 0 would give unprompted pixels the label '
                f'of class 0 ({self.class_index.names[0]!r}), which is not a '
                f'background class ({self.background_names}). Use '
                "unassigned_label 255 (ignore), or put a 'background' class "
                'first.')
        self.unassigned_label = unassigned_label

    def __call__(self,
                 record: ImageRecord,
                 masks: Optional[np.ndarray] = None) -> np.ndarray:
        """``(H, W)`` uint8 label map of a cached record."""
        if 'class_id' not in record.fields:
            raise ValueError('This cache record has no per-mask class ids; '
                             'it was not written by a prompted annotator.')
        class_ids = np.asarray(record.fields['class_id'], dtype=np.int64)
        if len(class_ids) and class_ids.max() >= len(self.class_index):
            raise ValueError(
                f'The cache holds class id {int(class_ids.max())} but the '
                f'class list has {len(self.class_index)} classes.')
        if masks is None:
            masks = record.decode_masks()
        return paint_label_map(masks, class_ids, self.unassigned_label)

    def settings(self) -> Dict[str, Any]:
        return dict(
            classes=list(self.class_index.names),
            background_names=self.background_names,
            unassigned_label=self.unassigned_label)
