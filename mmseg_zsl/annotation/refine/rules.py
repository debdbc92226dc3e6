"""The refinement rule, as pure tensor functions.

Pixel rule (the paper's Eq. 7, the same function ``zsl`` trains with): the
model's arg-max where its confidence reaches tau, else the zero-shot label.
Segment rule: a segment is decided as a whole from its mean class
probability: its arg-max where that mean is confident, else the zero-shot
label of its pixels; pixels in no segment follow the pixel rule.
"""
from typing import Optional

import torch
from torch import Tensor

from mmseg_zsl.models.segmentors.semi_targets import enhanced_target


def segment_owner(segments: Tensor) -> Tensor:
    """Which segment decides each pixel: the smallest one covering it.

    Segments are painted largest first, so smaller ones win overlaps, as the
    annotators paint SAM's masks (:func:`~mmseg_zsl.annotation.painting.
    paint_label_map`); ties in area keep the given order (the later wins).

    Args:
        segments (Tensor): ``(K, H, W)`` bool.

    Returns:
        Tensor: ``(H, W)`` int64 segment index, -1 where no segment covers.
    """
    owner = torch.full(segments.shape[1:], -1, dtype=torch.long,
                       device=segments.device)
    areas = segments.flatten(1).sum(1)
    for index in torch.sort(-areas, stable=True).indices.tolist():
        owner[segments[index]] = index
    return owner


def refine_label(probs: Tensor,
                 zs_label: Tensor,
                 conf_thresh: float,
                 ignore_index: int = 255,
                 segments: Optional[Tensor] = None) -> Tensor:
    """The refined label of one image.

    Args:
        probs (Tensor): ``(C, H, W)`` class probabilities of the model.
        zs_label (Tensor): ``(H, W)`` int64 zero-shot label,
            ``ignore_index`` where it has no class.
        conf_thresh (float): The threshold tau.
        ignore_index (int): Label of ignored pixels. Defaults to 255.
        segments (Tensor, optional): ``(K, H, W)`` bool segments decided as
            a whole. Defaults to None (every pixel on its own).

    Returns:
        Tensor: ``(H, W)`` int64 refined label; ``ignore_index`` where the
        zero-shot label is ignored and the deciding probability is not
        confident.
    """
    conf, pred = probs.max(dim=0)
    no_padding = torch.zeros_like(zs_label, dtype=torch.bool)
    label, _ = enhanced_target(conf[None], pred[None], zs_label[None],
                               no_padding[None], conf_thresh, ignore_index)
    label = label[0]
    if segments is None or len(segments) == 0:
        return label
    # Mean probability of every segment: (K, HW) @ (HW, C) / area.
    flat = segments.flatten(1).to(probs.dtype)
    means = flat @ probs.flatten(1).T / flat.sum(1, keepdim=True).clamp(min=1)
    seg_conf, seg_class = means.max(dim=1)
    owner = segment_owner(segments)
    covered = owner >= 0
    decided = owner.clamp(min=0)
    confident = covered & (seg_conf[decided] >= conf_thresh)
    by_segment = torch.where(confident, seg_class[decided], zs_label)
    return torch.where(covered, by_segment, label)
