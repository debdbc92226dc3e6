"""Painting overlapping labelled masks into a label map."""
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation import paint_label_map


def test_smaller_masks_win_and_unassigned_pixels_by_hand():
    masks = np.zeros((3, 3, 4), dtype=bool)
    masks[0, :, :3] = True  # area 9, label 1
    masks[1, 1:, 1:] = True  # area 6, label 2
    masks[2, 0, 3] = True  # area 1, label -1: not painted
    label_map = paint_label_map(masks, [1, 2, -1], unassigned_label=255)
    expected = np.array([[1, 1, 1, 255],
                         [1, 2, 2, 2],
                         [1, 2, 2, 2]], dtype=np.uint8)
    assert label_map.dtype == np.uint8
    np.testing.assert_array_equal(label_map, expected)


def test_order_does_not_matter_only_area():
    masks = torch.zeros(2, 2, 2, dtype=torch.bool)
    masks[0, 0, 0] = True  # small, first
    masks[1] = True  # large, second
    label_map = paint_label_map(masks, torch.tensor([7, 3]), 0)
    np.testing.assert_array_equal(label_map, [[7, 3], [3, 3]])


def test_equal_areas_later_mask_wins():
    masks = np.zeros((2, 1, 3), dtype=bool)
    masks[0, 0, :2] = True
    masks[1, 0, 1:] = True
    np.testing.assert_array_equal(
        paint_label_map(masks, [4, 5], 0), [[4, 5, 5]])


def test_chunked_painting_equals_one_chunk():
    rng = np.random.default_rng(0)
    masks = rng.random((9, 6, 7)) > 0.6
    labels = rng.integers(-1, 5, size=9)
    np.testing.assert_array_equal(
        paint_label_map(masks, labels, 255),
        paint_label_map(masks, labels, 255, chunk_elements=2 * 6 * 7))


def test_no_masks_and_invalid_labels():
    np.testing.assert_array_equal(
        paint_label_map(np.zeros((0, 2, 2), bool), [], 0), np.zeros((2, 2)))
    with pytest.raises(ValueError, match='uint8'):
        paint_label_map(np.ones((1, 2, 2), bool), [300], 0)
    with pytest.raises(ValueError, match='unassigned_label'):
        paint_label_map(np.ones((1, 2, 2), bool), [1], 256)


@pytest.mark.parametrize('num_masks,chunk', [(0, 2**27), (40, 2**27),
                                             (300, 50), (300, 2**27)])
def test_device_painting_equals_the_numpy_painter(num_masks, chunk):
    """Tensors are painted with torch (on their device): the same map as
    NumPy's, with ties, unpainted masks, many masks (uint16 ranks) and
    chunks."""
    rng = np.random.default_rng(num_masks)
    masks = rng.random((num_masks, 11, 13)) > 0.7
    masks[1:3] = masks[0] if num_masks else masks[1:3]  # equal areas
    labels = rng.integers(-1, 21, num_masks)
    expected = paint_label_map(masks, labels, 255, chunk_elements=chunk)
    on_device = paint_label_map(torch.from_numpy(masks), labels, 255,
                                chunk_elements=chunk)
    assert on_device.dtype == np.uint8 and on_device.shape == (11, 13)
    np.testing.assert_array_equal(on_device, expected)
