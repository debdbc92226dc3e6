"""Cross-entropy with label smoothing for dense prediction (mmseg API)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.losses import weight_reduce_loss
from mmseg.registry import MODELS
from torch import Tensor

_REDUCTIONS = ('none', 'mean', 'sum')


@MODELS.register_module()
class LabelSmoothCELoss(nn.Module):
    """Cross-entropy against a label-smoothed target (Szegedy et al., 2016).

    The target of a pixel labelled ``y`` is ``(1 - eps)`` on ``y`` plus
    ``eps / C`` on every one of the ``C`` classes, so the per-pixel loss is

    .. math::

        (1 - \\epsilon) \\cdot (-\\log p_y)
        + \\epsilon \\cdot \\frac{1}{C} \\sum_c (-\\log p_c),

    exactly what ``torch.nn.functional.cross_entropy(..., label_smoothing=
    eps, ignore_index=ignore_index)`` computes. With ``smoothing=0`` it is
    plain cross-entropy (mmseg ``CrossEntropyLoss`` with
    ``avg_non_ignore=True``).

    The mean is taken over the non-ignored pixels. Optional pixel weights
    (e.g. UniMatch's confidence mask) multiply the per-pixel loss but do not
    change that denominator; ``avg_factor`` replaces it.

    Args:
        smoothing (float, optional): The smoothing ``eps`` in [0, 1]. None
            means ``1 / C``, with ``C`` the number of channels of the logits
            (the paper's choice). Defaults to None.
        reduction (str): Default reduction, one of 'none', 'mean' and 'sum'.
            Defaults to 'mean'.
        loss_weight (float): Factor applied to the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item; must start with ``loss_`` to
            be included in the total loss. Defaults to 'loss_ls_ce'.
    """

    def __init__(self,
                 smoothing: Optional[float] = None,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ls_ce') -> None:
        super().__init__()
        if smoothing is not None and not 0.0 <= smoothing <= 1.0:
            raise ValueError('smoothing must be None (meaning 1/C) or in '
                             f'[0, 1], but got {smoothing}.')
        if reduction not in _REDUCTIONS:
            raise ValueError(f'reduction must be one of {_REDUCTIONS}, but '
                             f'got {reduction!r}.')
        if not loss_name.startswith('loss_'):
            raise ValueError("loss_name must start with 'loss_' so that "
                             'mmengine adds it to the total loss, but got '
                             f'{loss_name!r}.')
        self.smoothing = smoothing
        self.reduction = reduction
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits of shape (N, C, ...).
            label (Tensor): Class indices of shape (N, ...); pixels equal to
                ``ignore_index`` do not contribute.
            weight (Tensor, optional): Pixel weights of the label's shape.
                Defaults to None.
            avg_factor (float, optional): Denominator of the mean. Defaults
                to None, meaning the number of non-ignored pixels.
            reduction_override (str, optional): Overrides ``reduction``.
                Defaults to None.
            ignore_index (int): Label value to ignore. Defaults to 255.

        Returns:
            Tensor: The weighted loss (a scalar unless the reduction is
            'none', which returns the per-pixel loss, 0 where ignored).
        """
        reduction = reduction_override or self.reduction
        if reduction not in _REDUCTIONS:
            raise ValueError(f'reduction_override must be one of '
                             f'{_REDUCTIONS}, but got {reduction!r}.')
        num_classes = cls_score.shape[1]
        eps = (1.0 / num_classes
               if self.smoothing is None else float(self.smoothing))
        # torch's fused kernel computes exactly the smoothed target above
        # (and gives 0 at ignored pixels); only the reduction is ours, so
        # that the mean is over non-ignored pixels, stays finite when all
        # are ignored, and honours pixel weights and avg_factor.
        fused = weight is None and reduction != 'none'
        loss = F.cross_entropy(
            cls_score,
            label,
            ignore_index=ignore_index,
            label_smoothing=eps,
            reduction='sum' if fused else 'none')
        if avg_factor is None and reduction == 'mean':
            avg_factor = (label != ignore_index).sum()
        if fused:
            if reduction == 'mean':
                loss = loss / (avg_factor + torch.finfo(torch.float32).eps)
        else:
            loss = weight_reduce_loss(
                loss,
                weight=None if weight is None else weight.float(),
                reduction=reduction,
                avg_factor=avg_factor)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """str: Key of this loss in the loss dict (starts with ``loss_``)."""
        return self._loss_name

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(smoothing={self.smoothing}, '
                f'reduction={self.reduction!r}, '
                f'loss_weight={self.loss_weight}, '
                f'loss_name={self._loss_name!r})')
