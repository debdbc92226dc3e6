"""Targets of the unlabeled losses: enhanced labels, UniMatch labels, CutMix.

Pure tensor functions (no module state) so that each rule can be checked on
hand-built tensors. A target is a pair ``(label, weight)``: ``label`` (N, H, W)
int64 with ``ignore_index`` where a pixel must not contribute, ``weight``
(N, H, W) float pixel weights or None. The unlabeled losses are means over the
non-ignored pixels of ``label`` (see :class:`LabelSmoothCELoss`).
"""
from typing import List, Optional, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor

Target = Tuple[Tensor, Optional[Tensor]]


def confidence_and_prediction(logits: Tensor) -> Tuple[Tensor, Tensor]:
    """Softmax confidence and arg-max class of (detached) logits.

    Args:
        logits (Tensor): Logits of shape (N, C, H, W).

    Returns:
        tuple[Tensor, Tensor]: ``conf`` (N, H, W) float = max_c softmax and
        ``pred`` (N, H, W) int64 = argmax_c.
    """
    conf, pred = logits.detach().softmax(dim=1).max(dim=1)
    return conf, pred


def enhanced_target(conf: Tensor,
                    pred: Tensor,
                    zs_label: Tensor,
                    padding: Tensor,
                    conf_thresh: float,
                    ignore_index: int,
                    to_background_thresh: Optional[float] = None,
                    background_index: int = 0) -> Target:
    """The paper's enhancement module (Eq. 7), with an optional guard.

    ``y_e = pred`` where ``conf >= conf_thresh``, else the zero-shot label
    ``zs_label``. Ignored: padding, and pixels where the zero-shot label is
    ``ignore_index`` and the model is not confident.

    With ``to_background_thresh`` (a variant beyond the paper), the model
    may turn a zero-shot *object* pixel into background only where its
    confidence also reaches ``to_background_thresh``: the confident
    mistakes of a young model are mostly background on objects.

    Args:
        conf (Tensor): Confidence (N, H, W) of the weak view.
        pred (Tensor): Predicted class (N, H, W) of the weak view.
        zs_label (Tensor): Zero-shot pseudo label (N, H, W), ``ignore_index``
            where it has no class.
        padding (Tensor): Bool (N, H, W), True at crop padding.
        conf_thresh (float): The threshold tau.
        ignore_index (int): Label value of ignored pixels.
        to_background_thresh (float, optional): Confidence the model needs
            as well to replace a zero-shot object class by background; None
            applies ``conf_thresh`` alone (the paper). Defaults to None.
        background_index (int): The background class. Defaults to 0.

    Returns:
        tuple[Tensor, None]: The enhanced label (ignored pixels set to
        ``ignore_index``) and no pixel weights.
    """
    confident = conf >= conf_thresh
    if to_background_thresh is not None:
        zs_object = (zs_label != background_index) & (zs_label !=
                                                      ignore_index)
        to_background = zs_object & (pred == background_index)
        confident &= ~to_background | (conf >= to_background_thresh)
    label = torch.where(confident, pred, zs_label)
    ignored = padding | ((zs_label == ignore_index) & ~confident)
    label = label.masked_fill(ignored, ignore_index)
    return label, None


def unimatch_target(conf: Tensor, pred: Tensor, padding: Tensor,
                    conf_thresh: float, ignore_index: int) -> Target:
    """UniMatch's target: the model's own prediction, confidence-masked.

    The label is ``pred`` (``ignore_index`` at padding) and the pixel weight
    is ``conf >= conf_thresh``. With the mean over non-ignored pixels this is
    UniMatch's ``sum(ce * confident * valid) / sum(valid)``.

    Args:
        conf (Tensor): Confidence (N, H, W) of the weak view.
        pred (Tensor): Predicted class (N, H, W) of the weak view.
        padding (Tensor): Bool (N, H, W), True at crop padding.
        conf_thresh (float): The threshold tau.
        ignore_index (int): Label value of ignored pixels.

    Returns:
        tuple[Tensor, Tensor]: The label and the 0/1 float pixel weights.
    """
    label = pred.masked_fill(padding, ignore_index)
    weight = (conf >= conf_thresh).float()
    return label, weight


def plain_target(zs_label: Tensor, padding: Tensor,
                 ignore_index: int) -> Target:
    """The zero-shot label as is (``pseudo`` baseline), padding ignored."""
    return zs_label.masked_fill(padding, ignore_index), None


def partner_index(batch_size: int, device: torch.device) -> Tensor:
    """Index of each unlabeled image's CutMix partner: the batch rolled by 1.

    A fixed roll gives every image a partner other than itself whenever the
    batch holds two or more images (UniMatch's authors report that mixing
    with a shuffled copy of the batch performs like their second loader).
    """
    return torch.arange(batch_size, device=device).roll(1)


def cutmix_images(images: Tensor, box: Tensor, partner: Tensor) -> Tensor:
    """Paste the partner's pixels into each image inside its box.

    Args:
        images (Tensor): (N, C, H, W).
        box (Tensor): Bool (N, H, W), True inside the CutMix box.
        partner (Tensor): (N,) index of each image's partner.

    Returns:
        Tensor: The mixed images (a new tensor).
    """
    return torch.where(box.unsqueeze(1), images[partner], images)


def cutmix_target(target: Target, box: Tensor, partner: Tensor) -> Target:
    """Mix a target like :func:`cutmix_images` mixes the images."""
    label, weight = target
    label = torch.where(box, label[partner], label)
    if weight is not None:
        weight = torch.where(box, weight[partner], weight)
    return label, weight


def stack_pixel_field(samples: List[SegDataSample], field: str) -> Tensor:
    """Stack a (1, H, W) ``PixelData`` field of samples into (N, H, W).

    Args:
        samples (list[SegDataSample]): Samples of one branch.
        field (str): E.g. 'gt_sem_seg', 'padding_mask' or 'cutmix_box'.

    Returns:
        Tensor: The stacked maps.
    """
    data = [getattr(s, field, None) for s in samples]
    if not all(isinstance(d, PixelData) for d in data):
        raise ValueError(
            f'Every sample needs a PixelData field {field!r}: the unlabeled '
            'pipeline must pack gt_sem_seg, padding_mask and, for the strong '
            'views, cutmix_box (PackSemiSegInputs after PadToCropSize and '
            'GenerateCutMixBox).')
    return torch.stack([d.data[0] for d in data])
