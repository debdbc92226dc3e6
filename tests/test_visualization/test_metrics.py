import numpy as np
import pytest

from mmseg_zsl.visualization import (confusion_matrix, iou_from_confusion,
                                     mean_iou, row_normalize)
from ._data import GT, PRED


def test_confusion_matrix_on_4x4_example():
    """Pairs (gt, pred) read position by position, GT-ignore pixels skipped.

    gt 0 (4 px): pred 0 at (0,0) (1,0) (1,1); pred 1 at (0,1)  -> [3, 1, 0, 0]
    gt 1 (6 px): pred 1 at (0,2) (0,3) (1,2) (2,2) (2,3); 255 at (1,3)
                                                               -> [0, 5, 0, 1]
    gt 2 (4 px): pred 2 at (2,0) (3,0) (3,1); pred 0 at (2,1)  -> [1, 0, 3, 0]
    The pseudo labels 2 and 0 under GT 255 at (3,2) (3,3) are not counted.
    """
    expected = np.array([[3, 1, 0, 0],
                         [0, 5, 0, 1],
                         [1, 0, 3, 0]])
    np.testing.assert_array_equal(confusion_matrix(GT, PRED, 3), expected)


def test_iou_on_4x4_example():
    """IoU = TP / (GT area + pseudo area - TP); unassigned pixels are misses.

    class 0: TP 3, GT 4, pseudo 3 + 0 + 1 = 4 -> 3 / 5 = 60 %
    class 1: TP 5, GT 6 (incl. the unassigned pixel), pseudo 1 + 5 = 6
             -> 5 / 7 = 71.43 %
    class 2: TP 3, GT 4, pseudo 3 -> 3 / 4 = 75 %
    mIoU = (60 + 500 / 7 + 75) / 3 = 68.81 %
    """
    iou = iou_from_confusion(confusion_matrix(GT, PRED, 3))
    np.testing.assert_allclose(iou, [60.0, 500 / 7, 75.0])
    assert mean_iou(iou) == pytest.approx((60 + 500 / 7 + 75) / 3)


def test_iou_matches_mmseg_iou_metric():
    # mmseg's IoUMetric is the reference the method's numbers are read with.
    torch = pytest.importorskip('torch')
    from mmseg.evaluation.metrics import IoUMetric

    rng = np.random.default_rng(0)
    gt = rng.integers(0, 5, (32, 32)).astype(np.uint8)
    gt[rng.random((32, 32)) < 0.2] = 255
    pred = rng.integers(0, 5, (32, 32)).astype(np.uint8)
    pred[rng.random((32, 32)) < 0.2] = 255
    inter, union, _, _ = IoUMetric.intersect_and_union(
        torch.from_numpy(pred), torch.from_numpy(gt), 5, 255)
    expected = 100 * (inter / union).numpy()
    iou = iou_from_confusion(confusion_matrix(gt, pred, 5))
    np.testing.assert_allclose(iou, expected, rtol=1e-6)


def test_absent_class_is_nan_and_left_out_of_the_mean():
    gt = np.array([[0, 0], [1, 1]], dtype=np.uint8)
    iou = iou_from_confusion(confusion_matrix(gt, gt, 3))
    assert iou[:2].tolist() == [100.0, 100.0] and np.isnan(iou[2])
    assert mean_iou(iou) == 100.0
    assert np.isnan(mean_iou(np.full(3, np.nan)))


def test_row_normalize_keeps_empty_rows_zero():
    normed = row_normalize(np.array([[1, 3], [0, 0]]))
    np.testing.assert_allclose(normed, [[0.25, 0.75], [0.0, 0.0]])
