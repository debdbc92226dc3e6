"""Confusion matrix and IoU of pseudo labels against ground truth.

IoU follows mmseg's ``IoUMetric``: pixels whose ground truth is the ignore
index are skipped; a pseudo label of ``ignore_index`` ("unassigned") on a
labelled pixel is a miss for that pixel's class. The confusion matrix keeps
those pixels in an extra last column so a report can show what was left out.
All IoU values are percentages, as mmseg reports them.
"""
import numpy as np


def confusion_matrix(gt: np.ndarray,
                     pred: np.ndarray,
                     num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """Count (ground truth, pseudo label) pixel pairs.

    Args:
        gt (np.ndarray): Ground-truth class indices, any shape.
        pred (np.ndarray): Pseudo-label class indices, same shape as ``gt``.
        num_classes (int): Number of classes ``C``. Every index other than
            ``ignore_index`` must lie in ``[0, C)``.
        ignore_index (int): Ignored ground truth / unassigned pseudo label.
            Defaults to 255.

    Returns:
        np.ndarray: ``(C, C + 1)`` int64 counts; entry ``[g, p]`` counts
        pixels with ground truth ``g`` and pseudo label ``p``, column ``C``
        those left unassigned.
    """
    assert gt.shape == pred.shape, (
        f'gt {gt.shape} and pred {pred.shape} differ; callers check sizes')
    valid = gt != ignore_index
    gt_valid = gt[valid].astype(np.int64)
    pred_valid = pred[valid].astype(np.int64)
    pred_valid[pred_valid == ignore_index] = num_classes
    assert gt_valid.size == 0 or (
        gt_valid.min() >= 0 and gt_valid.max() < num_classes
        and pred_valid.min() >= 0 and pred_valid.max() <= num_classes), (
            'label indices outside [0, num_classes); callers validate labels')
    width = num_classes + 1
    counts = np.bincount(
        gt_valid * width + pred_valid, minlength=num_classes * width)
    return counts.reshape(num_classes, width)


def iou_from_confusion(matrix: np.ndarray) -> np.ndarray:
    """Per-class IoU (%) from a ``(C, C + 1)`` confusion matrix.

    Args:
        matrix (np.ndarray): Output of :func:`confusion_matrix` (or a sum of
            several).

    Returns:
        np.ndarray: ``(C,)`` float64; NaN for a class that is in neither the
        ground truth nor the pseudo labels (as mmseg, which then leaves it
        out of the mean).
    """
    num_classes = matrix.shape[0]
    assert matrix.shape == (num_classes, num_classes + 1), (
        f'expected a (C, C + 1) matrix, got {matrix.shape}')
    intersection = np.diag(matrix[:, :num_classes]).astype(np.float64)
    # Row sums include the unassigned column: those pixels count as misses.
    area_gt = matrix.sum(axis=1)
    area_pred = matrix[:, :num_classes].sum(axis=0)
    union = (area_gt + area_pred - intersection).astype(np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(union > 0, 100.0 * intersection / union, np.nan)


def mean_iou(iou: np.ndarray) -> float:
    """Mean of the non-NaN IoUs; NaN when every class is NaN."""
    if np.all(np.isnan(iou)):
        return float('nan')
    return float(np.nanmean(iou))


def row_normalize(matrix: np.ndarray) -> np.ndarray:
    """Divide each row by its sum; rows that sum to zero stay zero."""
    totals = matrix.sum(axis=1, keepdims=True).astype(np.float64)
    return np.divide(
        matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
