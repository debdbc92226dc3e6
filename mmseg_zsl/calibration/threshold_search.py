"""Exact search of similarity thresholds over the cached segments.

A segment is assigned when its best similarity is strictly above the
threshold of its best class, so the label maps only change when a threshold
crosses a segment's similarity. Between two consecutive distinct
similarities of the segments a threshold acts on, every value gives the same
labels: evaluating one threshold per such interval (its midpoint) is an
exhaustive search. :func:`sweep_thresholds` scores all of them at once:

For one atom (see :mod:`.image_stats`) and the masks covering it, last
painted first, a free mask m (whose threshold is searched) labels the atom
for thresholds ``t`` in ``[L, s_m)``, where ``s_m`` is its similarity and
``L`` the largest similarity of the free masks painted after it (which must
stay unassigned), provided no fixed-assigned mask is painted after it. Each
such interval adds the atom's pixels to one class over a range of sorted
thresholds: difference arrays and a cumulative sum give the per-class areas
for every threshold in O(pairs + thresholds x classes).
"""
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

import numpy as np

from .calibration_data import CalibrationData
from .metrics import miou_percent

#: Bounds of a cosine similarity: where thresholds are placed.
SIMILARITY_RANGE = (-1.0, 1.0)


def _f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def interval_representatives(bounds: np.ndarray) -> np.ndarray:
    """One float32 threshold inside each interval of ``bounds``.

    ``bounds`` are sorted distinct float32 similarities ``v_1 < ... < v_n``;
    the intervals are ``(-inf, v_1), [v_1, v_2), ..., [v_n, inf)`` (n + 1
    of them). Each gets its midpoint, the unbounded ones taking -1 and 1 as
    their far ends (cosine similarities lie in [-1, 1]); float32 rounding
    never leaves the interval.
    """
    low, high = SIMILARITY_RANGE
    lo = np.concatenate([[-np.inf], bounds])
    hi = np.concatenate([bounds, [np.inf]])
    far_lo = np.where(np.isinf(lo), np.minimum(low, hi), lo)
    far_hi = np.where(np.isinf(hi), np.maximum(high, lo), hi)
    mid = _f32((far_lo + far_hi) / 2)
    # Rounded up onto the upper bound: take the largest float32 below it.
    below = np.nextafter(hi.astype(np.float32), np.float32(-np.inf))
    mid = np.where(mid >= hi, below.astype(np.float64), mid)
    return np.maximum(mid, np.where(np.isinf(lo), -np.inf, lo))


def candidate_thresholds(scores: np.ndarray,
                         max_candidates: int,
                         extra: Iterable[float] = ()) -> np.ndarray:
    """Sorted float32 thresholds to try for segments with ``scores``.

    One per interval between distinct scores (exhaustive), or, beyond
    ``max_candidates``, one per interval between scores taken at evenly
    spaced ranks (each candidate is still scored exactly). ``extra`` values
    (e.g. the current threshold) are added.
    """
    if max_candidates < 2:
        raise ValueError(
            f'max_candidates must be at least 2, got {max_candidates}.')
    bounds = np.unique(_f32(scores))
    if len(bounds) + 1 > max_candidates:
        keep = np.unique(
            np.linspace(0, len(bounds) - 1, max_candidates - 1).round())
        bounds = bounds[keep.astype(np.int64)]
    values = np.concatenate(
        [interval_representatives(bounds),
         _f32(list(extra))])
    return np.unique(values)


def sweep_thresholds(data: CalibrationData,
                     mask_label: np.ndarray,
                     mask_score: np.ndarray,
                     free: np.ndarray,
                     fixed_assigned: np.ndarray,
                     thresholds: np.ndarray,
                     unassigned_label: int,
                     atoms: Optional[np.ndarray] = None
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Per-class areas for every threshold of the ``free`` masks.

    Args:
        data (CalibrationData): Atoms.
        mask_label (np.ndarray): ``(M,)`` label id of each mask's best class.
        mask_score (np.ndarray): ``(M,)`` its similarity (float32 values).
        free (np.ndarray): ``(M,)`` bool, masks assigned iff their score is
            above the swept threshold.
        fixed_assigned (np.ndarray): ``(M,)`` bool, the other masks that are
            assigned (ignored where ``free``).
        thresholds (np.ndarray): ``(T,)`` sorted thresholds.
        unassigned_label (int): Label of pixels no assigned mask covers.
        atoms (np.ndarray, optional): Sorted ids of the atoms to score (the
            others are left out of the areas); all by default.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(T, C)`` int64 intersections and
        predicted areas of ``atoms`` (ground-truth areas: ``data.gt_area``).
    """
    num_classes = data.num_classes
    thresholds = np.asarray(thresholds, dtype=np.float64)
    free = np.asarray(free, dtype=bool)
    fixed = np.asarray(fixed_assigned, dtype=bool) & ~free
    if atoms is None:
        atom_ids = np.arange(data.num_atoms)
        pair_atom, pair_mask = data.pair_atom, data.pair_mask
    else:  # local atom numbers 0..len(atoms) - 1
        atom_ids = np.asarray(atoms, dtype=np.int64)
        pairs, pair_atom = data.pairs_of_atoms(atom_ids)
        pair_mask = data.pair_mask[pairs]
    num_atoms, num_pairs = len(atom_ids), len(pair_atom)

    # --- segments of the pair list (one per covered atom) ---
    start = np.ones(num_pairs, dtype=bool)
    start[1:] = pair_atom[1:] != pair_atom[:-1]
    seg = np.cumsum(start) - 1
    seg_first = np.flatnonzero(start)
    seg_last = np.append(seg_first[1:] - 1, num_pairs - 1)[:len(seg_first)]

    # --- fixed masks: the first one (last painted) is the atom's base ---
    is_fixed = fixed[pair_mask].astype(np.int64)
    seen = np.cumsum(is_fixed) - is_fixed  # fixed pairs strictly before
    fixed_before = seen - seen[seg_first][seg]
    relevant = free[pair_mask] & (fixed_before == 0)
    base_pairs = (is_fixed == 1) & (fixed_before == 0)
    atom_base = np.full(num_atoms, unassigned_label, dtype=np.int64)
    atom_base[pair_atom[base_pairs]] = mask_label[pair_mask[base_pairs]]

    # --- L: running max of relevant scores painted after each pair ---
    values = np.unique(mask_score[pair_mask[relevant]])
    code = np.zeros(num_pairs, dtype=np.int64)
    code[relevant] = np.searchsorted(
        values, mask_score[pair_mask[relevant]]) + 1
    width = len(values) + 1
    # Offsetting by the segment makes one cumulative max restart per atom.
    inclusive = np.maximum.accumulate(seg * width + code) - seg * width
    exclusive = np.zeros(num_pairs, dtype=np.int64)
    exclusive[1:] = inclusive[:-1]
    exclusive[start] = 0
    value_of = np.concatenate([[-np.inf], values])

    win = relevant & (exclusive < code)
    win_atoms = pair_atom[win]
    win_labels = mask_label[pair_mask[win]]
    lows = [value_of[exclusive[win]]]
    highs = [value_of[code[win]]]
    atoms = [win_atoms]
    labels = [win_labels]

    # --- every atom: its base label once all its relevant masks are off ---
    atom_all = np.zeros(num_atoms, dtype=np.int64)
    atom_all[pair_atom[seg_last]] = inclusive[seg_last]
    lows.append(value_of[atom_all])
    highs.append(np.full(num_atoms, np.inf))
    atoms.append(np.arange(num_atoms))
    labels.append(atom_base)

    lows, highs = np.concatenate(lows), np.concatenate(highs)
    atoms = atom_ids[np.concatenate(atoms)]
    labels = np.concatenate(labels)
    counted = (labels >= 0) & (labels < num_classes)
    lows, highs = lows[counted], highs[counted]
    atoms, labels = atoms[counted], labels[counted]
    # Thresholds t with low <= t < high.
    first = np.searchsorted(thresholds, lows, side='left')
    stop = np.searchsorted(thresholds, highs, side='left')
    inter_w = data.gt_pixels(atoms, labels).astype(np.float64)
    pix_w = data.atom_pixels[atoms].astype(np.float64)
    size = (len(thresholds) + 1) * num_classes

    def accumulate(weights: np.ndarray) -> np.ndarray:
        diff = np.bincount(first * num_classes + labels, weights, size) - \
            np.bincount(stop * num_classes + labels, weights, size)
        total = np.cumsum(diff.reshape(-1, num_classes), axis=0)
        return np.rint(total[:-1]).astype(np.int64)

    return accumulate(inter_w), accumulate(pix_w)


@dataclass
class ThresholdChoice:
    """Outcome of a 1-D threshold search.

    Attributes:
        threshold (float): Chosen threshold (a float32 value).
        miou (float): mIoU % at it.
        changed (bool): Whether it replaced the current threshold.
    """
    threshold: float
    miou: float
    changed: bool


def choose_threshold(thresholds: np.ndarray,
                     miou: np.ndarray,
                     current: Optional[float] = None,
                     min_gain: float = 0.0) -> ThresholdChoice:
    """The best threshold, robustly placed; the current one unless beaten.

    Among the maximal mIoU values, the run of consecutive thresholds spanning
    the widest range wins (ties: the higher run) and its threshold nearest
    to the run's middle is taken: a threshold far from where the mIoU drops
    transfers better to new images. ``current`` (which must be one of
    ``thresholds``) is kept unless the best beats it by more than
    ``min_gain`` mIoU points.
    """
    scores = np.where(np.isnan(miou), -np.inf, miou)
    best = scores.max()
    if current is not None:
        index = int(np.flatnonzero(thresholds == current)[0])
        if not best > scores[index] + min_gain:
            return ThresholdChoice(float(current), float(miou[index]), False)
    top = scores == best
    edges = np.flatnonzero(np.diff(np.concatenate([[0], top, [0]])))
    runs = edges.reshape(-1, 2)  # [first, stop) of each run of maxima
    widths = thresholds[runs[:, 1] - 1] - thresholds[runs[:, 0]]
    # Widest run; among equally wide runs the last (highest thresholds).
    pick = len(widths) - 1 - int(np.argmax(widths[::-1]))
    first, stop = runs[pick]
    middle = (thresholds[first] + thresholds[stop - 1]) / 2
    index = first + int(np.argmin(np.abs(thresholds[first:stop] - middle)))
    return ThresholdChoice(
        float(thresholds[index]), float(miou[index]), current is None
        or float(thresholds[index]) != float(current))


def search_global_threshold(data: CalibrationData, mask_label: np.ndarray,
                            mask_score: np.ndarray, unassigned_label: int,
                            max_candidates: int) -> ThresholdChoice:
    """One threshold for every class, maximising mIoU over ``data``."""
    thresholds = candidate_thresholds(mask_score, max_candidates)
    free = np.ones(len(mask_score), dtype=bool)
    intersect, pred = sweep_thresholds(data, mask_label, mask_score, free,
                                       ~free, thresholds, unassigned_label)
    return choose_threshold(thresholds,
                            miou_percent(intersect, pred, data.gt_area))
