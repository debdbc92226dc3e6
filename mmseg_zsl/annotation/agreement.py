"""How far two annotations of the same image agree (e.g. the fast tier's
against the exact tier's)."""
from typing import Union

import numpy as np
import torch
from torch import Tensor


def matched_mask_iou(reference: Union[Tensor, np.ndarray],
                     other: Union[Tensor, np.ndarray]) -> float:
    """Mean over the reference masks of their best IoU with a mask of
    ``other`` (1.0 when both are empty; 0.0 for a reference mask with no
    counterpart at all).

    Args:
        reference (Tensor | np.ndarray): ``(K, H, W)`` boolean masks.
        other (Tensor | np.ndarray): ``(L, H, W)`` boolean masks.
    """
    a = torch.as_tensor(reference).flatten(1).float()
    b = torch.as_tensor(other).flatten(1).float().to(a.device)
    if len(a) == 0:
        return 1.0 if len(b) == 0 else 0.0
    if len(b) == 0:
        return 0.0
    inter = a @ b.T
    union = a.sum(1, keepdim=True) + b.sum(1)[None] - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1),
                      torch.ones_like(inter))
    return float(iou.max(dim=1).values.mean())


def pixel_agreement(label_a: np.ndarray, label_b: np.ndarray) -> float:
    """Share of pixels with the same label in two label maps."""
    if label_a.shape != label_b.shape:
        raise ValueError(f'label maps of shapes {label_a.shape} and '
                         f'{label_b.shape} cannot be compared.')
    return float(np.mean(label_a == label_b))
