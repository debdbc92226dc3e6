"""SAM-based pooling (paper Eq. 1)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmseg_zsl.annotation import interpolation_matrix, sam_pooling


def naive_pooling(masks, features):
    """Upsample the features to the mask size, then average in each mask."""
    up = F.interpolate(
        features[None], size=masks.shape[1:], mode='bilinear',
        align_corners=False)[0]
    out = []
    for mask in masks:
        out.append(up[:, mask].mean(dim=1))
    return torch.stack(out)


def test_constant_features_give_the_constant():
    features = torch.tensor([2.0, -1.0]).view(2, 1, 1).expand(2, 3, 4)
    masks = torch.zeros(2, 6, 8, dtype=torch.bool)
    masks[0, :2, :3] = True
    masks[1, 5, 7] = True
    torch.testing.assert_close(
        sam_pooling(masks, features), torch.tensor([[2.0, -1.0],
                                                    [2.0, -1.0]]))


def test_same_resolution_is_a_plain_masked_mean():
    # With (H, W) == (h, w) the bilinear resize is the identity:
    # mask {(0,0), (1,1)} over [[1, 2], [3, 4]] averages 1 and 4 -> 2.5.
    features = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    masks = torch.tensor([[[True, False], [False, True]],
                          [[False, True], [False, False]]])
    torch.testing.assert_close(
        sam_pooling(masks, features), torch.tensor([[2.5], [2.0]]))


def test_two_times_upsampling_by_hand():
    # 1-D along x: features [0, 4] upsampled to 4 pixels (align_corners
    # False) are [0, 1, 3, 4]; a mask over the two middle pixels -> 2.0,
    # over the first pixel -> 0.0.
    features = torch.tensor([[[0.0, 4.0]]])
    masks = torch.tensor([[[False, True, True, False]],
                          [[True, False, False, False]]])
    torch.testing.assert_close(
        sam_pooling(masks, features), torch.tensor([[2.0], [0.0]]))


SIZES = [((37, 53), (7, 5)), ((20, 12), (28, 28)), ((64, 48), (4, 6))]


@pytest.mark.parametrize('mask_size,feat_size', SIZES)
def test_matches_upsample_then_average(mask_size, feat_size):
    torch.manual_seed(0)
    features = torch.randn(8, *feat_size)
    masks = torch.rand(5, *mask_size) > 0.6
    masks[0] = True
    torch.testing.assert_close(
        sam_pooling(masks, features), naive_pooling(masks, features),
        rtol=1e-4, atol=1e-5)


def test_chunks_give_the_same_result_and_numpy_masks_work():
    torch.manual_seed(0)
    features = torch.randn(4, 3, 5)
    masks = np.random.default_rng(0).random((7, 12, 20)) > 0.5
    whole = sam_pooling(masks, features)
    chunked = sam_pooling(masks, features, chunk_elements=2 * 12 * 20)
    torch.testing.assert_close(whole, chunked)


def test_interpolation_matrix_rows_sum_to_one_and_match_resize():
    matrix = interpolation_matrix(9, 4)
    torch.testing.assert_close(matrix.sum(dim=1), torch.ones(9))
    signal = torch.tensor([1.0, -2.0, 5.0, 0.5])
    expected = F.interpolate(
        signal.view(1, 1, 4), size=9, mode='linear',
        align_corners=False).flatten()
    torch.testing.assert_close(matrix @ signal, expected)


def test_no_masks_and_empty_masks():
    features = torch.randn(3, 2, 2)
    assert sam_pooling(torch.zeros(0, 4, 4, dtype=torch.bool),
                       features).shape == (0, 3)
    empty = sam_pooling(torch.zeros(1, 4, 4, dtype=torch.bool), features)
    torch.testing.assert_close(empty, torch.zeros(1, 3))
