"""Assigning classes to segments by cosine similarity (paper Eq. 2)."""
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor


def assign_labels(segment_embeddings: Tensor, text_embeddings: Tensor,
                  threshold: Union[float, Tensor]) -> Tuple[Tensor, Tensor]:
    """Best class of each segment, or -1 when it is not similar enough.

    ``s_kc = cos(f_k, t_c)``; segment k gets ``argmax_c s_kc`` if
    ``max_c s_kc > threshold`` (of that class, for per-class thresholds),
    else -1 (unassigned).

    Args:
        segment_embeddings (Tensor): ``(K, D)``.
        text_embeddings (Tensor): ``(C, D)``.
        threshold (float | Tensor): One threshold or ``(C,)`` per class.

    Returns:
        tuple[Tensor, Tensor]: ``labels`` ``(K,)`` int64 indices into the
        text classes (-1 = unassigned) and ``scores`` ``(K,)`` float32, the
        best cosine similarity.
    """
    segments = F.normalize(segment_embeddings.float(), dim=-1)
    texts = F.normalize(
        text_embeddings.float().to(segments.device), dim=-1)
    num_segments, num_classes = segments.shape[0], texts.shape[0]
    if num_classes == 0 or num_segments == 0:
        return (torch.full((num_segments, ), -1, dtype=torch.long,
                           device=segments.device),
                torch.full((num_segments, ), float('-inf'),
                           device=segments.device))
    scores, labels = (segments @ texts.T).max(dim=1)
    if isinstance(threshold, Tensor):
        threshold = threshold.float().to(segments.device)
        if threshold.dim() == 1:
            if threshold.numel() != num_classes:
                raise ValueError(
                    f'Got {threshold.numel()} per-class thresholds for '
                    f'{num_classes} text classes.')
            threshold = threshold[labels]
    keep = scores > threshold
    return torch.where(keep, labels, torch.full_like(labels, -1)), scores
