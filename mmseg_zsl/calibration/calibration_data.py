"""The atoms of a set of labelled images, concatenated for vectorised use.

Masks, atoms and (atom, mask) pairs of all images are numbered globally, so
a whole dataset is scored with a handful of numpy calls.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .image_stats import ImageStats


class CalibrationData:
    """Atoms of several images (see :mod:`.image_stats`).

    Args:
        images (Sequence[ImageStats]): Per-image atoms.
        num_classes (int): Number of classes C.

    Attributes:
        mask_offsets (np.ndarray): ``(N + 1,)`` first global mask of each
            image.
        atom_pixels, pair_atom, pair_mask (np.ndarray): As in
            :class:`ImageStats`, with global atom and mask indices.
        hist_keys (np.ndarray): Sorted ``atom * (C + 1) + class`` keys of the
            ground-truth histograms; ``hist_counts`` their pixels.
        gt_area (np.ndarray): ``(C,)`` ground-truth pixels of all images.
    """

    def __init__(self, images: Sequence[ImageStats], num_classes: int):
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}.')
        self.images: List[ImageStats] = list(images)
        self.num_classes = num_classes
        masks = np.array([im.num_masks for im in self.images], np.int64)
        atoms = np.array([im.num_atoms for im in self.images], np.int64)
        self.mask_offsets = np.concatenate([[0], np.cumsum(masks)])
        atom_offsets = np.concatenate([[0], np.cumsum(atoms)])
        bins = num_classes + 1

        def cat(arrays, dtype=np.int64):
            arrays = list(arrays)
            return np.concatenate(arrays).astype(dtype) if arrays else \
                np.zeros(0, dtype=dtype)

        self.atom_pixels = cat(im.atom_pixels for im in self.images)
        self.hist_keys = cat(
            (im.hist_atom + off) * bins + im.hist_class
            for im, off in zip(self.images, atom_offsets))
        self.hist_counts = cat(im.hist_count for im in self.images)
        self.pair_atom = cat(
            im.pair_atom + off for im, off in zip(self.images, atom_offsets))
        self.pair_mask = cat(
            im.pair_mask + off
            for im, off in zip(self.images, self.mask_offsets))
        self.gt_area = np.zeros(num_classes, dtype=np.int64)
        for image in self.images:
            self.gt_area += image.gt_area
        assert np.all(np.diff(self.hist_keys) > 0), 'unsorted histograms'
        # Pairs of atom a: pair_ptr[a]:pair_ptr[a + 1] (sorted by atom).
        self.pair_ptr = np.searchsorted(
            self.pair_atom, np.arange(self.num_atoms + 1))
        # Pairs of mask m: by_mask[mask_ptr[m]:mask_ptr[m + 1]].
        self.by_mask = np.argsort(self.pair_mask, kind='stable')
        self.mask_ptr = np.searchsorted(self.pair_mask[self.by_mask],
                                        np.arange(self.num_masks + 1))
        self._normalised: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.images)

    @property
    def stems(self) -> List[str]:
        return [image.stem for image in self.images]

    @property
    def num_masks(self) -> int:
        return int(self.mask_offsets[-1])

    @property
    def num_atoms(self) -> int:
        return len(self.atom_pixels)

    def subset(self, indices: Sequence[int]) -> 'CalibrationData':
        """The images at ``indices`` (e.g. the training folds)."""
        return CalibrationData([self.images[i] for i in indices],
                               self.num_classes)

    def pairs_of_atoms(self, atoms: np.ndarray
                       ) -> Tuple[np.ndarray, np.ndarray]:
        """Pairs of ``atoms`` (sorted ids), in order, and for each pair the
        position of its atom in ``atoms``."""
        starts, stops = self.pair_ptr[atoms], self.pair_ptr[atoms + 1]
        local = np.repeat(np.arange(len(atoms)), stops - starts)
        return _ranges(starts, stops), local

    def atoms_of_masks(self, masks: np.ndarray) -> np.ndarray:
        """Sorted ids of the atoms that ``masks`` cover."""
        pairs = self.by_mask[_ranges(self.mask_ptr[masks],
                                     self.mask_ptr[masks + 1])]
        covered = np.zeros(self.num_atoms, dtype=bool)
        covered[self.pair_atom[pairs]] = True
        return np.flatnonzero(covered)

    def gt_pixels(self, atoms: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Ground-truth pixels of ``classes`` in ``atoms`` (elementwise)."""
        keys = np.asarray(atoms, np.int64) * (self.num_classes + 1) + classes
        pos = np.searchsorted(self.hist_keys, keys)
        pos = np.minimum(pos, max(len(self.hist_keys) - 1, 0))
        if not len(self.hist_keys):
            return np.zeros(len(keys), dtype=np.int64)
        found = self.hist_keys[pos] == keys
        return np.where(found, self.hist_counts[pos], 0)

    def normalised_embeddings(self) -> np.ndarray:
        """``(M, D)`` float32 L2-normalised segment embeddings (cached)."""
        if self._normalised is None:
            dims = {im.embeddings.shape[1] for im in self.images
                    if im.num_masks}
            if len(dims) > 1:
                raise ValueError(f'Segment embeddings of several sizes '
                                 f'{sorted(dims)}: the cache mixes models.')
            if not dims:
                self._normalised = np.zeros((0, 1), dtype=np.float32)
            else:
                stacked = np.concatenate(
                    [im.embeddings for im in self.images if im.num_masks])
                self._normalised = F.normalize(
                    torch.from_numpy(stacked).float(), dim=-1).numpy()
        return self._normalised


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(start, stop)`` for each pair, vectorised."""
    lengths = np.asarray(stops, np.int64) - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total)
