"""Incremental scoring for the coordinate searches.

:class:`SearchState` keeps the current labels of every mask and atom and
the dataset's areas. A change that touches few masks (one class's threshold,
one class's prompt) is scored from the atoms those masks cover only: the
other atoms keep their labels, so their areas are a constant.
"""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .calibration_data import CalibrationData
from .evaluation import atom_areas, atom_winners
from .metrics import miou_percent
from .threshold_search import (ThresholdChoice, candidate_thresholds,
                               choose_threshold, sweep_thresholds)


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@dataclass
class _Change:
    """A scored change not yet applied."""
    miou: float
    masks: np.ndarray
    mask_label: np.ndarray
    atoms: np.ndarray
    atom_label: np.ndarray
    intersect: np.ndarray
    pred: np.ndarray


class SearchState:
    """Labels of a dataset under similarity scores and thresholds.

    Args:
        data (CalibrationData): Atoms.
        text_class_ids (Sequence[int]): Label id of each text class.
        unassigned_label (int): Label of unassigned pixels.
        scores (np.ndarray): ``(M, C_text)`` similarities.
        thresholds (np.ndarray): ``(C_text,)`` thresholds.
        max_candidates (int): Thresholds tried per search at most.
        min_gain (float): mIoU points a change must gain.
    """

    def __init__(self, data: CalibrationData, text_class_ids: Sequence[int],
                 unassigned_label: int, scores: np.ndarray,
                 thresholds: np.ndarray, max_candidates: int,
                 min_gain: float) -> None:
        self.data = data
        self.ids = np.asarray(text_class_ids, dtype=np.int64)
        self.unassigned_label = unassigned_label
        self.max_candidates = max_candidates
        self.min_gain = min_gain
        self.scores = np.asarray(scores, dtype=np.float32)
        self.thresholds = _f32(thresholds)
        self.refresh()

    # --- full recomputation ---
    def refresh(self) -> None:
        """Recompute everything from ``scores`` and ``thresholds``."""
        scores = self.scores
        num_text = scores.shape[1]
        if num_text > 1 and len(scores):
            top = np.argsort(-scores, axis=1, kind='stable')[:, :2]
        else:
            top = np.zeros((len(scores), 2), dtype=np.int64)
        self.top1, self.top2 = top[:, 0], top[:, 1]
        rows = np.arange(len(scores))
        self.val1 = _f32(scores[rows, self.top1]) if len(scores) else \
            np.zeros(0)
        self.val2 = _f32(scores[rows, self.top2]) if num_text > 1 else \
            np.full(len(scores), -np.inf)
        self.mask_label = self._labels(self.top1, self.val1)
        atoms = np.arange(self.data.num_atoms)
        self.atom_label = atom_winners(self.data, atoms, self.mask_label,
                                       self.unassigned_label)
        self.intersect, self.pred = atom_areas(self.data, atoms,
                                               self.atom_label)

    def _labels(self, text: np.ndarray, value: np.ndarray) -> np.ndarray:
        assigned = value > self.thresholds[text]
        return np.where(assigned, self.ids[text], -1)

    @property
    def miou(self) -> float:
        return float(
            miou_percent(self.intersect, self.pred, self.data.gt_area))

    @property
    def text_index(self) -> np.ndarray:
        return self.top1

    # --- local changes ---
    def _score_change(self, masks: np.ndarray,
                      mask_label: np.ndarray) -> Optional[_Change]:
        """Score giving ``masks`` new labels; None if nothing changes."""
        changed = mask_label != self.mask_label[masks]
        masks, mask_label = masks[changed], mask_label[changed]
        if not len(masks):
            return None
        atoms = self.data.atoms_of_masks(masks)
        labels = self.mask_label.copy()
        labels[masks] = mask_label
        new = atom_winners(self.data, atoms, labels, self.unassigned_label)
        old_i, old_p = atom_areas(self.data, atoms, self.atom_label[atoms])
        new_i, new_p = atom_areas(self.data, atoms, new)
        intersect = self.intersect - old_i + new_i
        pred = self.pred - old_p + new_p
        return _Change(
            float(miou_percent(intersect, pred, self.data.gt_area)), masks,
            mask_label, atoms, new, intersect, pred)

    def _apply(self, change: _Change) -> None:
        self.mask_label[change.masks] = change.mask_label
        self.atom_label[change.atoms] = change.atom_label
        self.intersect, self.pred = change.intersect, change.pred

    def _better(self, miou: float) -> bool:
        current = self.miou
        if np.isnan(miou):
            return False
        return np.isnan(current) or miou > current + self.min_gain

    def try_column(self, text_index: int, column: np.ndarray) -> bool:
        """Replace the similarities to one text class if mIoU improves.

        Returns:
            bool: Whether the column was adopted.
        """
        c = text_index
        column = _f32(column)
        other_val = np.where(self.top1 == c, self.val2, self.val1)
        other_idx = np.where(self.top1 == c, self.top2, self.top1)
        # argmax keeps the first index among equal values.
        take = (column > other_val) | ((column == other_val) &
                                       (c < other_idx))
        text = np.where(take, c, other_idx)
        value = np.where(take, column, other_val)
        labels = self._labels(text, value)
        masks = np.flatnonzero(labels != self.mask_label)
        change = self._score_change(masks, labels[masks])
        if change is None or not self._better(change.miou):
            return False
        self.scores[:, c] = column
        top = np.argsort(-self.scores, axis=1, kind='stable')[:, :2]
        self.top1, self.top2 = top[:, 0], top[:, 1]
        rows = np.arange(len(self.scores))
        self.val1 = _f32(self.scores[rows, self.top1])
        self.val2 = _f32(self.scores[rows, self.top2])
        self._apply(change)
        return True

    def sweep_global(self, keep_current: bool = True) -> ThresholdChoice:
        """Search one threshold for all classes (all atoms) and adopt it.

        Args:
            keep_current (bool): Keep the current (common) threshold unless
                beaten by more than ``min_gain``; False takes the best.
        """
        score = self.val1
        current = float(self.thresholds[0]) if keep_current else None
        if keep_current and np.any(self.thresholds != current):
            raise ValueError('sweep_global keeps a common threshold; the '
                             'current ones differ between classes.')
        thresholds = candidate_thresholds(
            score, self.max_candidates, [] if current is None else [current])
        free = np.ones(len(score), dtype=bool)
        intersect, pred = sweep_thresholds(self.data, self.ids[self.top1],
                                           score, free, ~free, thresholds,
                                           self.unassigned_label)
        choice = choose_threshold(
            thresholds, miou_percent(intersect, pred, self.data.gt_area),
            current, self.min_gain)
        if choice.changed:
            self.thresholds[:] = choice.threshold
            self.refresh()
        return choice

    def sweep_class(self, text_index: int) -> ThresholdChoice:
        """Search one text class's threshold, the others held, and adopt it.

        Only the atoms covered by masks of that class are scored; the
        current threshold is kept unless beaten by more than ``min_gain``.
        """
        c = text_index
        current = float(self.thresholds[c])
        free = self.top1 == c
        masks = np.flatnonzero(free)
        if not len(masks):
            return ThresholdChoice(current, self.miou, False)
        atoms = self.data.atoms_of_masks(masks)
        score = self.val1
        fixed = ~free & (score > self.thresholds[self.top1])
        thresholds = candidate_thresholds(score[free], self.max_candidates,
                                          [current])
        sub_i, sub_p = sweep_thresholds(self.data, self.ids[self.top1],
                                        score, free, fixed, thresholds,
                                        self.unassigned_label, atoms)
        old_i, old_p = atom_areas(self.data, atoms, self.atom_label[atoms])
        intersect = self.intersect - old_i + sub_i
        pred = self.pred - old_p + sub_p
        choice = choose_threshold(
            thresholds, miou_percent(intersect, pred, self.data.gt_area),
            current, self.min_gain)
        if choice.changed:
            self.thresholds[c] = choice.threshold
            labels = self._labels(self.top1[masks], score[masks])
            change = self._score_change(masks, labels)
            if change is not None:
                assert change.miou == choice.miou or np.isnan(choice.miou), \
                    f'class sweep {choice.miou} != relabelled {change.miou}'
                self._apply(change)
        return choice
