"""Painting labelled, possibly overlapping masks into one label map."""
from typing import Union

import numpy as np
import torch
from torch import Tensor

#: Masks are painted in chunks of at most this many mask pixels (uint8).
PAINTING_CHUNK_ELEMENTS = 2**27


def paint_label_map(masks: Union[Tensor, np.ndarray],
                    labels: Union[Tensor, np.ndarray, list],
                    unassigned_label: int,
                    chunk_elements: int = PAINTING_CHUNK_ELEMENTS
                    ) -> np.ndarray:
    """Label map from masks painted largest first, so smaller masks win.

    Masks labelled -1 are not painted. Ties in area keep SAM's order (the
    later mask wins). Pixels covered by no painted mask get
    ``unassigned_label``. Vectorised: each pixel takes the last mask in
    painting order that covers it.

    Args:
        masks (Tensor | np.ndarray): ``(K, H, W)`` boolean masks.
        labels (Tensor | np.ndarray | list): ``(K,)`` label ids in [0, 255]
            or -1.
        unassigned_label (int): Label of unpainted pixels, in [0, 255].
        chunk_elements (int): Memory bound for the per-pixel search.

    Returns:
        np.ndarray: ``(H, W)`` uint8 label map.
    """
    if not 0 <= int(unassigned_label) <= 255:
        raise ValueError(f'unassigned_label must be in [0, 255], got '
                         f'{unassigned_label}.')
    masks = torch.as_tensor(masks)
    if masks.dim() != 3:
        raise ValueError(
            f'masks must be (K, H, W), got shape {tuple(masks.shape)}.')
    labels = torch.as_tensor(labels, dtype=torch.long, device=masks.device)
    if labels.shape != masks.shape[:1]:
        raise ValueError(f'Got {labels.numel()} labels for '
                         f'{masks.shape[0]} masks.')
    if labels.numel() and int(labels.max()) > 255:
        raise ValueError('Label ids must fit uint8 (<= 255); got '
                         f'{int(labels.max())}.')
    height, width = masks.shape[1:]
    painted = torch.nonzero(labels >= 0).flatten()
    areas = masks.flatten(1).sum(dim=1)[painted]
    # Stable descending sort: ties keep SAM's order, later ones paint last.
    order = painted[torch.sort(areas, descending=True, stable=True)[1]]
    winner = torch.zeros(height, width, dtype=torch.long, device=masks.device)
    chunk = max(1, chunk_elements // max(1, height * width))
    for start in range(0, len(order), chunk):
        # Reversed painting order: argmax (the first maximum) then finds the
        # last mask of the chunk that covers each pixel.
        part = masks[order[start:start + chunk].flip(0)].to(torch.uint8)
        covered = part.amax(dim=0).bool()
        last = len(part) - 1 - part.argmax(dim=0)
        winner = torch.where(covered, start + 1 + last, winner)
    lut = torch.cat([
        torch.tensor([int(unassigned_label)], device=masks.device),
        labels[order]
    ]).to(torch.uint8)
    return lut[winner].cpu().numpy()
