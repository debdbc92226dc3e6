"""Mask average precision at one IoU threshold (COCO's rules), e.g. mAP@50.

Follows ``pycocotools.cocoeval`` for one IoU threshold, area range 'all':
per image and class, detections sorted by score (at most ``max_dets``) are
matched greedily to the unmatched ground-truth instance of highest mask IoU
(>= threshold); a detection that matches only a crowd region is ignored;
precision is made monotone and read at 101 recall points; classes without
non-crowd instances are left out of the mean.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

import numpy as np

from .mask_ops import mask_iou


@dataclass
class ImageInstances:
    """Masks of one image (predictions or ground truth).

    Attributes:
        rles (list[dict]): COCO RLEs ``{'size': [h, w], 'counts': ...}``.
        labels (np.ndarray): ``(K,)`` class ids.
        scores (np.ndarray): ``(K,)`` confidences (predictions only).
        crowd (np.ndarray): ``(K,)`` bool crowd flags (ground truth only).
    """
    rles: List[dict]
    labels: np.ndarray
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    crowd: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def _match_image(dets: ImageInstances, gts: ImageInstances, label: int,
                 iou_threshold: float, max_dets: int) -> tuple:
    """Scores, matched flags and ignored flags of one image's detections."""
    dt_index = np.nonzero(dets.labels == label)[0]
    dt_index = dt_index[np.argsort(-dets.scores[dt_index],
                                   kind='mergesort')][:max_dets]
    gt_index = np.nonzero(gts.labels == label)[0]
    crowd = gts.crowd[gt_index] if len(gts.crowd) else np.zeros(
        len(gt_index), bool)
    order = np.argsort(crowd, kind='mergesort')  # crowd regions last
    gt_index, crowd = gt_index[order], crowd[order]
    ious = mask_iou([dets.rles[i] for i in dt_index],
                    [gts.rles[i] for i in gt_index], crowd)
    gt_taken = np.zeros(len(gt_index), bool)
    matched = np.zeros(len(dt_index), bool)
    ignored = np.zeros(len(dt_index), bool)
    for d in range(len(dt_index)):
        best, best_iou = -1, min(iou_threshold, 1 - 1e-10)
        for g in range(len(gt_index)):
            if gt_taken[g] and not crowd[g]:
                continue
            if best > -1 and not crowd[best] and crowd[g]:
                break  # matched a real instance: crowd regions come after
            if ious[d, g] < best_iou:
                continue
            best, best_iou = g, ious[d, g]
        if best > -1:
            matched[d] = True
            ignored[d] = crowd[best]
            gt_taken[best] = True
    return (dets.scores[dt_index], matched, ignored,
            int(np.count_nonzero(~crowd)))


def average_precision(scores: np.ndarray, true_positive: np.ndarray,
                      num_positives: int, recall_points: int = 101) -> float:
    """COCO-interpolated AP of detections (any order) of one class."""
    order = np.argsort(-scores, kind='mergesort')
    tp = np.cumsum(true_positive[order]).astype(float)
    fp = np.cumsum(~true_positive[order]).astype(float)
    recall = tp / num_positives
    precision = tp / (tp + fp + np.spacing(1))
    # precision envelope: the best precision at this recall or beyond
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    thresholds = np.linspace(0, 1, recall_points)
    found = np.searchsorted(recall, thresholds, side='left')
    sampled = [precision[i] if i < len(precision) else 0.0 for i in found]
    return float(np.mean(sampled))


def mask_average_precision(predictions: Sequence[ImageInstances],
                           ground_truths: Sequence[ImageInstances],
                           iou_threshold: float = 0.5,
                           max_dets: int = 100) -> Dict:
    """Per-class mask AP at ``iou_threshold`` and their mean (mAP).

    Args:
        predictions (Sequence[ImageInstances]): Per image, with scores.
        ground_truths (Sequence[ImageInstances]): Per image (same order),
            with crowd flags if any.
        iou_threshold (float): Defaults to 0.5 (mAP@50).
        max_dets (int): Detections per image and class. Defaults to 100.

    Returns:
        dict: ``mAP`` (mean over classes with instances; nan if none),
        ``per_class`` ``{label: AP}`` and ``num_instances`` ``{label: n}``,
        APs in [0, 1].
    """
    if len(predictions) != len(ground_truths):
        raise ValueError(f'{len(predictions)} predicted images for '
                         f'{len(ground_truths)} ground-truth images.')
    labels = sorted({int(v) for g in ground_truths for v in g.labels})
    per_class, counts = {}, {}
    for label in labels:
        scores, positives, positives_total = [], [], 0
        for dets, gts in zip(predictions, ground_truths):
            score, matched, ignored, num_gt = _match_image(
                dets, gts, label, iou_threshold, max_dets)
            scores.append(score[~ignored])
            positives.append(matched[~ignored])
            positives_total += num_gt
        if positives_total == 0:
            continue  # only crowd regions: COCO leaves the class out
        per_class[label] = average_precision(
            np.concatenate(scores), np.concatenate(positives),
            positives_total)
        counts[label] = positives_total
    mean = float(np.mean(list(per_class.values()))) if per_class else \
        float('nan')
    return dict(mAP=mean, per_class=per_class, num_instances=counts)
