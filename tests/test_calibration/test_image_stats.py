"""Atoms give exactly the areas of painting + mmseg's IoU arithmetic."""
import numpy as np
import pytest
import torch
from mmseg.evaluation.metrics import IoUMetric

from mmseg_zsl.annotation.painting import paint_label_map
from mmseg_zsl.calibration import (CalibrationData, areas_from_mask_labels,
                                   compute_image_stats, painting_rank)
from ._cache import CLASSES, DIM, random_image


def mmseg_areas(pred, gt, num_classes):
    areas = IoUMetric.intersect_and_union(
        torch.from_numpy(pred.astype(np.int64)),
        torch.from_numpy(gt.astype(np.int64)), num_classes, 255)
    return [a.numpy().astype(np.int64) for a in areas]


def build(images):
    stats = [
        compute_image_stats(f'i{n}', masks, np.zeros((len(masks), DIM)), gt,
                            len(CLASSES), 255)
        for n, (masks, _, _, gt) in enumerate(images)
    ]
    return CalibrationData(stats, len(CLASSES))


def test_painting_rank_is_largest_first_with_stable_ties():
    # Areas 5, 9, 5, 2: painted 9 (mask 1), 5 (mask 0), 5 (mask 2), 2.
    assert painting_rank(np.array([5, 9, 5, 2])).tolist() == [1, 0, 2, 3]


@pytest.mark.parametrize('unassigned', [0, 255])
def test_atom_areas_equal_painting_for_random_assignments(unassigned):
    rng = np.random.default_rng(0)
    # Out-of-range ground truth (9) counts as predicted area only, as in
    # mmseg; one image has no masks at all.
    images = [random_image(rng, k, other_label=9) for k in (9, 14, 0, 20)]
    data = build(images)
    for trial in range(30):
        labels = [
            np.where(rng.random(len(lab)) < 0.3, -1, rng.integers(0, 4,
                                                                  len(lab)))
            for _, lab, _, _ in images
        ]
        expected = np.zeros((3, len(CLASSES)), dtype=np.int64)
        for (masks, _, _, gt), lab in zip(images, labels):
            pred = paint_label_map(masks, lab, unassigned) if len(masks) \
                else np.full(gt.shape, unassigned, np.uint8)
            inter, union, pred_area, label_area = mmseg_areas(
                pred, gt, len(CLASSES))
            expected += np.stack([inter, pred_area, label_area])
        got = areas_from_mask_labels(data, np.concatenate(labels),
                                     unassigned)
        assert got.intersect.tolist() == expected[0].tolist()
        assert got.pred.tolist() == expected[1].tolist()
        assert got.label.tolist() == expected[2].tolist()


def test_overlaps_make_per_mask_histograms_inexact():
    """Why atoms: a small mask on a big one wins only if it is assigned."""
    big = np.zeros((1, 4, 4), bool)
    big[0] = True
    small = np.zeros((1, 4, 4), bool)
    small[0, :2, :2] = True
    masks = np.concatenate([big, small])
    gt = np.ones((4, 4), np.uint8)
    data = build([(masks, None, None, gt)])
    # Big -> 1 and small unassigned: all 16 pixels are class 1.
    areas = areas_from_mask_labels(data, np.array([1, -1]), 0)
    assert areas.intersect[1] == 16
    # Small -> 2 covers 4 of them.
    areas = areas_from_mask_labels(data, np.array([1, 2]), 0)
    assert areas.intersect[1] == 12 and areas.pred[2] == 4


def test_mask_and_ground_truth_sizes_must_match():
    with pytest.raises(ValueError, match='ground truth'):
        compute_image_stats('x', np.zeros((1, 4, 4), bool),
                            np.zeros((1, DIM)), np.zeros((4, 5), np.uint8),
                            4, 255)
