"""SAM-based pooling of dense features into segment embeddings (Eq. 1).

``f_k = sum_xy Up(F)(x, y) S_k(x, y) / sum_xy S_k(x, y)`` with ``Up`` the
bilinear resize of ``F`` (D, h, w) to the mask size (H, W).

Bilinear resizing is linear and separable: ``Up(F_d) = R_y F_d R_x^T`` with
``R_y`` (H x h) and ``R_x`` (W x w) the 1-D interpolation matrices. Hence
``sum_xy S_k Up(F_d) = sum_ij (R_y^T S_k R_x)_ij F_d(i, j)``: each mask is
reduced to an (h, w) weight map by two small matrix products and all masks
meet the features in one product. This is exact and never materialises the
(D, H, W) upsampled features.
"""
from typing import Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

#: Masks are processed in chunks of at most this many mask pixels (float32:
#: 128 MiB) so memory stays bounded for many masks on large images.
POOLING_CHUNK_ELEMENTS = 2**25


def interpolation_matrix(out_size: int,
                         in_size: int,
                         device: Union[str, torch.device] = 'cpu',
                         dtype: torch.dtype = torch.float32) -> Tensor:
    """``(out_size, in_size)`` matrix of 1-D linear resizing.

    Identical to ``F.interpolate(..., mode='bilinear', align_corners=False)``
    along one axis: obtained by resizing the identity.
    """
    eye = torch.eye(in_size, device=device, dtype=dtype)[None]
    resized = F.interpolate(
        eye, size=out_size, mode='linear', align_corners=False)
    return resized[0].T.contiguous()


def sam_pooling(masks: Union[Tensor, np.ndarray],
                features: Tensor,
                chunk_elements: int = POOLING_CHUNK_ELEMENTS) -> Tensor:
    """Mask-average pooling of bilinearly resized features (paper Eq. 1).

    Args:
        masks (Tensor | np.ndarray): ``(K, H, W)`` boolean masks.
        features (Tensor): ``(D, h, w)`` dense features.
        chunk_elements (int): Memory bound: masks are multiplied in chunks of
            at most this many pixels in total (one product when they fit).

    Returns:
        Tensor: ``(K, D)`` float32 segment embeddings (zero for empty masks).
    """
    if features.dim() != 3:
        raise ValueError('features must be (D, h, w), got shape '
                         f'{tuple(features.shape)}.')
    masks = torch.as_tensor(masks, device=features.device)
    if masks.dim() != 3:
        raise ValueError(
            f'masks must be (K, H, W), got shape {tuple(masks.shape)}.')
    num_masks, height, width = masks.shape
    dim, feat_h, feat_w = features.shape
    features = features.float()
    if num_masks == 0:
        return features.new_zeros(0, dim)
    r_y = interpolation_matrix(height, feat_h, features.device)  # (H, h)
    r_x = interpolation_matrix(width, feat_w, features.device)  # (W, w)
    flat_features = features.reshape(dim, -1).T  # (h * w, D)
    chunk = max(1, chunk_elements // (height * width))
    sums, areas = [], []
    for start in range(0, num_masks, chunk):
        part = masks[start:start + chunk].float()
        # Reduce the longer axis first against the smaller grid side.
        if feat_w <= feat_h:
            weights = r_y.T @ (part @ r_x)  # (k, h, w)
        else:
            weights = (r_y.T @ part) @ r_x
        weights = weights.reshape(len(part), -1)
        sums.append(weights @ flat_features)
        areas.append(weights.sum(dim=1))
    # The rows of R_y and R_x sum to one, so each weight map sums to the
    # mask's area (cheaper than counting the mask pixels again).
    areas = torch.cat(areas).clamp(min=1)
    return torch.cat(sums) / areas[:, None]
