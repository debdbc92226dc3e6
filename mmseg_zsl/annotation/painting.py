"""Painting labelled, possibly overlapping masks into one label map."""
from typing import Union

import numpy as np
import torch
from torch import Tensor

#: Masks are painted in chunks of at most this many mask pixels (one byte
#: each) to bound the temporary memory.
PAINTING_CHUNK_ELEMENTS = 2**27


def paint_label_map(masks: Union[Tensor, np.ndarray],
                    labels: Union[Tensor, np.ndarray, list],
                    unassigned_label: int,
                    chunk_elements: int = PAINTING_CHUNK_ELEMENTS
                    ) -> np.ndarray:
    """Label map from masks painted largest first, so smaller masks win.

    Masks labelled -1 are not painted. Ties in area keep SAM's order (the
    later mask wins). Pixels covered by no painted mask get
    ``unassigned_label``. Vectorised: every painted mask gets its rank in
    painting order and each pixel takes the highest rank covering it (a
    running maximum over contiguous mask planes, which NumPy does at memory
    speed).

    Masks given as a tensor are painted on their device (the same rule and
    result, integer-exact); only the label map comes back to the host.

    Args:
        masks (Tensor | np.ndarray): ``(K, H, W)`` boolean masks.
        labels (Tensor | np.ndarray | list): ``(K,)`` label ids in [0, 255]
            or -1.
        unassigned_label (int): Label of unpainted pixels, in [0, 255].
        chunk_elements (int): Memory bound of the temporary rank planes.

    Returns:
        np.ndarray: ``(H, W)`` uint8 label map.
    """
    if not 0 <= int(unassigned_label) <= 255:
        raise ValueError(f'unassigned_label must be in [0, 255], got '
                         f'{unassigned_label}.')
    if isinstance(masks, Tensor):
        return _paint_on_device(masks, labels, unassigned_label,
                                chunk_elements)
    masks = np.ascontiguousarray(masks, dtype=bool)
    if masks.ndim != 3:
        raise ValueError(f'masks must be (K, H, W), got shape {masks.shape}.')
    if isinstance(labels, Tensor):
        labels = labels.cpu().numpy()
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if labels.shape != masks.shape[:1]:
        raise ValueError(f'Got {labels.size} labels for '
                         f'{masks.shape[0]} masks.')
    if labels.size and labels.max() > 255:
        raise ValueError('Label ids must fit uint8 (<= 255); got '
                         f'{labels.max()}.')
    num_masks, height, width = masks.shape
    flat = masks.reshape(num_masks, height * width)
    painted = np.flatnonzero(labels >= 0)
    areas = np.count_nonzero(flat, axis=1)[painted]
    # Stable descending sort: ties keep SAM's order, later ones paint last.
    order = painted[np.argsort(-areas, kind='stable')]
    rank_type = np.uint8 if len(order) < 2**8 else (
        np.uint16 if len(order) < 2**16 else np.uint32)
    rank = np.zeros(num_masks, dtype=rank_type)
    rank[order] = np.arange(1, len(order) + 1)
    winner = np.zeros(height * width, dtype=rank_type)
    chunk = max(1, chunk_elements // max(1, height * width))
    for start in range(0, num_masks, chunk):
        stop = start + chunk
        planes = flat[start:stop].view(np.uint8) * rank[start:stop, None]
        np.maximum(winner, planes.max(axis=0), out=winner)
    lut = np.empty(len(order) + 1, dtype=np.uint8)
    lut[0] = unassigned_label
    lut[1:] = labels[order]
    return lut[winner].reshape(height, width)


def _paint_on_device(masks: Tensor, labels: Union[Tensor, np.ndarray, list],
                     unassigned_label: int,
                     chunk_elements: int) -> np.ndarray:
    """:func:`paint_label_map` with torch on the masks' device."""
    if masks.dim() != 3:
        raise ValueError('masks must be (K, H, W), got shape '
                         f'{tuple(masks.shape)}.')
    device = masks.device
    labels = torch.as_tensor(
        np.asarray(labels.cpu() if isinstance(labels, Tensor) else labels,
                   dtype=np.int64).reshape(-1),
        device=device)
    if labels.shape != masks.shape[:1]:
        raise ValueError(f'Got {labels.numel()} labels for '
                         f'{masks.shape[0]} masks.')
    if labels.numel() and int(labels.max()) > 255:
        raise ValueError('Label ids must fit uint8 (<= 255); got '
                         f'{int(labels.max())}.')
    num_masks, height, width = masks.shape
    flat = masks.reshape(num_masks, height * width).bool()
    painted = torch.nonzero(labels >= 0).flatten()
    areas = flat[painted].sum(dim=1)
    # Stable descending sort: ties keep SAM's order, later ones paint last.
    order = painted[torch.sort(-areas, stable=True).indices]
    rank_type = torch.int16 if len(order) < 2**15 else torch.int32
    rank = torch.zeros(num_masks, dtype=rank_type, device=device)
    rank[order] = torch.arange(
        1, len(order) + 1, dtype=rank_type, device=device)
    winner = torch.zeros(height * width, dtype=rank_type, device=device)
    chunk = max(1, chunk_elements // max(1, height * width))
    for start in range(0, num_masks, chunk):
        planes = flat[start:start + chunk].to(rank_type) * rank[
            start:start + chunk, None]
        winner = torch.maximum(winner, planes.amax(dim=0))
    lut = torch.cat([
        torch.tensor([unassigned_label], device=device), labels[order]
    ]).to(torch.uint8)
    return lut[winner.long()].reshape(height, width).cpu().numpy()
