"""U-SAM losses (Kundu et al., Sec. 3.5): MIL and uncertainty distillation.

Shapes: ``logits`` are ``(N, d, C)`` (N images, d masks per image, C
classes); ``targets`` are ``(N, C)`` multi-hot image labels.
"""
import math
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

#: Reductions of the uncertainty loss over an image's bad masks.
MASK_REDUCTIONS = ('mean', 'sum')


def topk_count(num_masks: int, topk_divisor: float) -> int:
    """k = max(1, ceil(d / a)), the masks averaged per class score."""
    if topk_divisor <= 0:
        raise ValueError(f'topk_divisor a must be > 0, got {topk_divisor}.')
    return max(1, math.ceil(num_masks / topk_divisor))


def mil_class_scores(logits: Tensor, topk_divisor: float) -> Tensor:
    """Eq. 1: s_ij = mean of the k largest mask logits of class j.

    Returns:
        Tensor: ``(N, C)`` class scores.
    """
    k = topk_count(logits.shape[1], topk_divisor)
    return logits.topk(k, dim=1).values.mean(dim=1)


def normalised_targets(targets: Tensor) -> Tensor:
    """Multi-hot labels divided by their sum (a distribution per image)."""
    targets = targets.float()
    counts = targets.sum(dim=1, keepdim=True)
    if bool((counts <= 0).any()):
        raise ValueError('Every image needs at least one positive class in '
                         'its multi-hot label.')
    return targets / counts


def mil_loss(logits: Tensor, targets: Tensor, topk_divisor: float) -> Tensor:
    """Eq. 2: cross-entropy of softmax(s_i) against the normalised label.

    Mean over the N images.
    """
    scores = mil_class_scores(logits, topk_divisor)
    log_probs = F.log_softmax(scores, dim=1)
    return -(normalised_targets(targets) * log_probs).sum(dim=1).mean()


def mask_entropy(logits: Tensor) -> Tensor:
    """``(N, d)`` prediction entropy of each mask divided by log C (0..1).

    Normalised so one threshold means the same for any number of classes.
    """
    num_classes = logits.shape[-1]
    if num_classes < 2:
        raise ValueError('Entropies need at least 2 classes, got '
                         f'{num_classes}.')
    log_probs = F.log_softmax(logits, dim=-1)
    entropy = -(log_probs.exp() * log_probs).sum(dim=-1)
    return entropy / math.log(num_classes)


def select_bad_masks(teacher_logits: Tensor, targets: Tensor,
                     entropy_threshold: float) -> Tensor:
    """The teacher's bad masks B_i: uncertain, or confident and wrong.

    A mask is bad when its normalised entropy is above
    ``entropy_threshold`` (H^high), or below it while the teacher's class
    (argmax) is not one of the image's labels (H^low,incorr). A mask whose
    entropy equals the threshold is in neither set, as in the paper.

    Returns:
        Tensor: ``(N, d)`` bool.
    """
    entropy = mask_entropy(teacher_logits)
    predicted = teacher_logits.argmax(dim=-1)  # (N, d)
    correct = targets.bool().gather(1, predicted)
    return (entropy > entropy_threshold) | ((entropy < entropy_threshold)
                                            & ~correct)


def uncertainty_loss(student_logits: Tensor,
                     bad: Tensor,
                     mask_reduction: str = 'mean') -> Tensor:
    """Eq. 3: -mean over images of sum_j log softmax(student) on bad masks.

    Minimised when the student is uniform on the teacher's bad masks.

    Args:
        student_logits (Tensor): ``(N, d, C)``.
        bad (Tensor): ``(N, d)`` bool from :func:`select_bad_masks`.
        mask_reduction (str): How an image's bad masks are combined: 'mean'
            (the term's scale does not grow with d) or 'sum'. An image
            without bad masks contributes 0 (and still counts in N).
            Defaults to 'mean'.
    """
    if mask_reduction not in MASK_REDUCTIONS:
        raise ValueError(f'mask_reduction must be one of {MASK_REDUCTIONS}, '
                         f'got {mask_reduction!r}.')
    per_mask = F.log_softmax(student_logits, dim=-1).sum(dim=-1)  # (N, d)
    bad = bad.to(per_mask.dtype)
    per_image = (per_mask * bad).sum(dim=1)
    if mask_reduction == 'mean':
        per_image = per_image / bad.sum(dim=1).clamp(min=1)
    return -per_image.mean()


def student_loss(student_logits: Tensor,
                 teacher_logits: Tensor,
                 targets: Tensor,
                 topk_divisor: float,
                 entropy_threshold: float,
                 mil_weight: float = 1.0,
                 unc_weight: float = 0.15,
                 mask_reduction: str = 'mean'
                 ) -> Tuple[Tensor, Dict[str, float]]:
    """lambda1 * L_MIL + lambda2 * L_unc, and its parts for logging.

    Args:
        student_logits (Tensor): ``(N, d, C)``.
        teacher_logits (Tensor): ``(N, d, C)`` of the frozen teacher.
        targets (Tensor): ``(N, C)`` multi-hot.
        topk_divisor (float): a of k = max(1, ceil(d / a)).
        entropy_threshold (float): Normalised entropy threshold.
        mil_weight (float): lambda1. Defaults to 1.0.
        unc_weight (float): lambda2. Defaults to 0.15.
        mask_reduction (str): See :func:`uncertainty_loss`.
    """
    with torch.no_grad():
        bad = select_bad_masks(teacher_logits, targets, entropy_threshold)
    loss_mil = mil_loss(student_logits, targets, topk_divisor)
    loss_unc = uncertainty_loss(student_logits, bad, mask_reduction)
    total = mil_weight * loss_mil + unc_weight * loss_unc
    return total, dict(
        loss_mil=loss_mil.item(),
        loss_unc=loss_unc.item(),
        bad_ratio=float(bad.float().mean()))
