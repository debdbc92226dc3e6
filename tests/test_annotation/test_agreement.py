"""Agreement of two annotations, by hand."""
import numpy as np
import pytest

from mmseg_zsl.annotation.agreement import matched_mask_iou, pixel_agreement


def test_matched_mask_iou_by_hand():
    """Reference masks on a 1 x 4 row: r0 = cols 0-1, r1 = col 3.
    Other: o0 = cols 0-2 (IoU with r0: 2/3), o1 = col 3 (IoU with r1: 1).
    Mean of the best matches: (2/3 + 1) / 2."""
    ref = np.array([[[1, 1, 0, 0]], [[0, 0, 0, 1]]], dtype=bool)
    other = np.array([[[1, 1, 1, 0]], [[0, 0, 0, 1]]], dtype=bool)
    assert matched_mask_iou(ref, other) == pytest.approx((2 / 3 + 1) / 2)
    assert matched_mask_iou(ref, ref) == 1.0
    assert matched_mask_iou(ref, other[:0]) == 0.0
    assert matched_mask_iou(ref[:0], other[:0]) == 1.0


def test_pixel_agreement():
    a = np.array([[0, 1], [2, 3]], np.uint8)
    b = np.array([[0, 1], [2, 0]], np.uint8)
    assert pixel_agreement(a, b) == 0.75
    with pytest.raises(ValueError, match='cannot be compared'):
        pixel_agreement(a, b[:1])
