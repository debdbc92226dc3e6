"""Mask IoU and mask non-maximum suppression on COCO RLEs."""
from typing import List, Sequence

import numpy as np


def mask_iou(masks_a: Sequence[dict],
             masks_b: Sequence[dict],
             crowd: Sequence[bool] = ()) -> np.ndarray:
    """``(len(a), len(b))`` IoU of COCO RLE masks (pycocotools).

    Args:
        masks_a (Sequence[dict]): RLEs ``{'size': [h, w], 'counts': ...}``.
        masks_b (Sequence[dict]): RLEs of the same size.
        crowd (Sequence[bool]): Per ``b`` mask: a crowd region, whose
            "IoU" is intersection / area of the ``a`` mask (COCO's rule).
            Defaults to none.
    """
    from pycocotools import mask as mask_utils
    if len(masks_a) == 0 or len(masks_b) == 0:
        return np.zeros((len(masks_a), len(masks_b)))
    crowd = list(crowd) or [False] * len(masks_b)
    return np.asarray(
        mask_utils.iou(list(masks_a), list(masks_b),
                       [int(c) for c in crowd]),
        dtype=np.float64).reshape(len(masks_a), len(masks_b))


def mask_nms(masks: Sequence[dict], scores: Sequence[float],
             iou_thresh: float) -> List[int]:
    """Greedy mask NMS: indices of the kept masks, best score first.

    A mask is dropped when its mask IoU with a kept, higher-scored mask is
    above ``iou_thresh``. Equal scores keep the input order.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if len(masks) != len(scores):
        raise ValueError(f'{len(masks)} masks for {len(scores)} scores.')
    order = np.argsort(-scores, kind='stable')
    ious = mask_iou(masks, masks)
    keep: List[int] = []
    for index in order:
        if all(ious[index, kept] <= iou_thresh for kept in keep):
            keep.append(int(index))
    return keep
