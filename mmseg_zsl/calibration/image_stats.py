"""What calibration keeps of one labelled image: its pixel *atoms*.

Painting (:func:`~mmseg_zsl.annotation.painting.paint_label_map`) gives a
pixel the label of the last assigned mask covering it, in the order largest
first (ties: SAM's order). Which masks are assigned changes with every
threshold or prompt tried, but which masks *cover* a pixel does not. So the
pixels of an image are grouped into atoms, the sets of pixels with the same
covering masks: every pixel of an atom always gets the same label, for any
assignment. Keeping, per atom, its covering masks (in painting order) and
its histogram of ground-truth classes gives the exact label map statistics
of any assignment without decoding or painting masks again. (A per-mask
histogram would not: with overlaps, which mask wins a pixel depends on which
other masks are assigned.)

Pixels whose ground truth is ``ignore_index`` count for nothing in mIoU and
are dropped first.
"""
from dataclasses import dataclass

import numpy as np


def painting_rank(areas: np.ndarray) -> np.ndarray:
    """Position of each mask in painting order (larger = painted later).

    Largest area first; equal areas keep SAM's order, as the stable sort of
    :func:`~mmseg_zsl.annotation.painting.paint_label_map` does. Restricted
    to any subset of masks, this order is the order that subset is painted
    in, so the winner of a pixel is its covering assigned mask of highest
    rank.
    """
    order = np.argsort(-np.asarray(areas, dtype=np.int64), kind='stable')
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _unique_rows(bits: np.ndarray):
    """``np.unique`` of the rows of a 2-D uint8 array: first index, inverse."""
    num_rows, num_bytes = bits.shape
    if num_bytes <= 8:  # one uint64 key per row: a fast integer unique
        padded = np.zeros((num_rows, 8), dtype=np.uint8)
        padded[:, :num_bytes] = bits
        keys = padded.view(np.uint64)[:, 0]
    else:
        keys = np.ascontiguousarray(bits).view(
            np.dtype((np.void, num_bytes)))[:, 0]
    _, first, inverse = np.unique(
        keys, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


@dataclass
class ImageStats:
    """Atoms of one image (see the module docstring).

    Attributes:
        stem (str): Image stem.
        embeddings (np.ndarray): ``(K, D)`` float16 segment embeddings, as
            cached.
        atom_pixels (np.ndarray): ``(A,)`` int64 non-ignored pixels per atom.
        hist_atom (np.ndarray): ``(E,)`` int64 atom of each histogram entry.
        hist_class (np.ndarray): ``(E,)`` int64 ground-truth bin: a class in
            ``[0, C)`` or ``C`` for labels outside the classes (they count
            as predicted pixels only, as in mmseg).
        hist_count (np.ndarray): ``(E,)`` int64 pixels; entries sorted by
            ``(atom, class)``.
        pair_atom (np.ndarray): ``(P,)`` int64 atom of each (atom, covering
            mask) pair.
        pair_mask (np.ndarray): ``(P,)`` int64 mask of each pair; pairs are
            sorted by atom, then by painting rank, last painted first.
        gt_area (np.ndarray): ``(C,)`` int64 ground-truth pixels per class.
    """
    stem: str
    embeddings: np.ndarray
    atom_pixels: np.ndarray
    hist_atom: np.ndarray
    hist_class: np.ndarray
    hist_count: np.ndarray
    pair_atom: np.ndarray
    pair_mask: np.ndarray
    gt_area: np.ndarray

    @property
    def num_masks(self) -> int:
        return len(self.embeddings)

    @property
    def num_atoms(self) -> int:
        return len(self.atom_pixels)


def compute_image_stats(stem: str, masks: np.ndarray, embeddings: np.ndarray,
                        gt: np.ndarray, num_classes: int,
                        ignore_index: int) -> ImageStats:
    """Atoms of an image from its decoded masks and ground truth.

    Args:
        stem (str): Image stem.
        masks (np.ndarray): ``(K, H, W)`` bool masks (decoded cache).
        embeddings (np.ndarray): ``(K, D)`` cached segment embeddings.
        gt (np.ndarray): ``(H, W)`` ground-truth class indices.
        num_classes (int): Number of classes C.
        ignore_index (int): Ground-truth label left out of mIoU.
    """
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 3 or masks.shape[1:] != gt.shape:
        raise ValueError(
            f'{stem}: the cached masks are {masks.shape[1:]} but the ground '
            f'truth is {gt.shape}; calibration needs the ground truth of the '
            'annotated images at their size.')
    assert len(embeddings) == len(masks), \
        f'{stem}: {len(embeddings)} embeddings for {len(masks)} masks'
    num_masks, num_all = len(masks), gt.size
    flat_masks = masks.reshape(num_masks, num_all)
    gt_flat = gt.reshape(-1).astype(np.int64)
    valid = gt_flat != ignore_index
    gt_bins = np.minimum(gt_flat[valid], num_classes)
    gt_bins[gt_flat[valid] < 0] = num_classes
    cover = flat_masks[:, valid]  # (K, N)
    num_pixels = cover.shape[1]

    # Atoms: pixels with identical columns of ``cover``.
    if num_pixels == 0:
        first = np.zeros(0, dtype=np.int64)
        inverse = np.zeros(0, dtype=np.int64)
    elif num_masks == 0:
        first = np.zeros(1, dtype=np.int64)
        inverse = np.zeros(num_pixels, dtype=np.int64)
    else:
        first, inverse = _unique_rows(np.packbits(cover, axis=0).T)
    num_atoms = len(first)
    atom_pixels = np.bincount(inverse, minlength=num_atoms).astype(np.int64)

    rank = painting_rank(flat_masks.sum(axis=1))
    keys, counts = np.unique(
        inverse * (num_classes + 1) + gt_bins, return_counts=True)
    hist_atom, hist_class = np.divmod(keys, num_classes + 1)

    atom_cover = cover[:, first].T  # (A, K)
    pair_atom, pair_mask = np.nonzero(atom_cover)
    order = np.lexsort((-rank[pair_mask], pair_atom))
    gt_area = np.bincount(
        gt_bins, minlength=num_classes + 1)[:num_classes].astype(np.int64)
    return ImageStats(
        stem=stem,
        embeddings=np.asarray(embeddings),
        atom_pixels=atom_pixels,
        hist_atom=hist_atom.astype(np.int64),
        hist_class=hist_class.astype(np.int64),
        hist_count=counts.astype(np.int64),
        pair_atom=pair_atom[order].astype(np.int64),
        pair_mask=pair_mask[order].astype(np.int64),
        gt_area=gt_area)
