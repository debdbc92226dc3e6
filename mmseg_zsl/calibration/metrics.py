"""Dataset-accumulated IoU, with the arithmetic of mmseg's ``IoUMetric``.

Per class: intersection, predicted and ground-truth pixel counts are summed
over all images (ground-truth ``ignore_index`` pixels dropped, predictions
outside ``[0, C)`` counted nowhere), IoU = intersection / union with NaN
where the union is empty, mIoU = the NaN-mean of the IoUs. Counts are kept
as exact integers (mmseg sums float32 histograms).
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np


def iou_percent(intersect: np.ndarray, pred: np.ndarray,
                label: np.ndarray) -> np.ndarray:
    """IoU per class in percent (NaN where the union is empty).

    Broadcasts over leading axes: ``(..., C)`` arrays give ``(..., C)``.
    """
    intersect = np.asarray(intersect, dtype=np.float64)
    union = np.asarray(pred, dtype=np.float64) + label - intersect
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = intersect / union
    return np.where(union > 0, iou * 100, np.nan)


def miou_percent(intersect: np.ndarray, pred: np.ndarray,
                 label: np.ndarray) -> np.ndarray:
    """mIoU in percent over the last axis (NaN when every class is NaN)."""
    iou = iou_percent(intersect, pred, label)
    valid = ~np.isnan(iou)
    count = valid.sum(axis=-1)
    total = np.where(valid, iou, 0.0).sum(axis=-1)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@dataclass
class IoUAreas:
    """Per-class pixel counts accumulated over images.

    Attributes:
        intersect (np.ndarray): ``(C,)`` int64 pixels predicted and labelled
            as the class.
        pred (np.ndarray): ``(C,)`` int64 pixels predicted as the class
            (among pixels whose ground truth is not ignored).
        label (np.ndarray): ``(C,)`` int64 ground-truth pixels of the class.
    """
    intersect: np.ndarray
    pred: np.ndarray
    label: np.ndarray

    @classmethod
    def zeros(cls, num_classes: int) -> 'IoUAreas':
        return cls(*(np.zeros(num_classes, dtype=np.int64)
                     for _ in range(3)))

    def __add__(self, other: 'IoUAreas') -> 'IoUAreas':
        return IoUAreas(self.intersect + other.intersect,
                        self.pred + other.pred, self.label + other.label)

    @property
    def num_classes(self) -> int:
        return len(self.label)

    def iou(self) -> np.ndarray:
        """``(C,)`` IoU in percent, NaN for classes with an empty union."""
        return iou_percent(self.intersect, self.pred, self.label)

    def miou(self) -> float:
        """mIoU in percent (NaN-mean over classes, as mmseg)."""
        return float(miou_percent(self.intersect, self.pred, self.label))

    def per_class(self, names: Sequence[str]) -> Dict[str, Optional[float]]:
        """``{class name: IoU %}``, None for NaN (JSON-ready)."""
        return {
            str(name): None if np.isnan(value) else float(value)
            for name, value in zip(names, self.iou())
        }

    def to_dict(self) -> Dict[str, List[int]]:
        return dict(
            intersect=self.intersect.tolist(),
            pred=self.pred.tolist(),
            label=self.label.tolist())
