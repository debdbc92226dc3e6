"""The exhaustive threshold search against brute-force numpy painting."""
import numpy as np
import pytest

from mmseg_zsl.calibration import (CalibrationData, SearchState,
                                   candidate_thresholds, choose_threshold,
                                   compute_image_stats, miou_percent,
                                   search_global_threshold, sweep_thresholds)
from ._cache import (CLASSES, DIM, TEXT_CLASS_IDS, brute_force_curve,
                     brute_force_miou, cached_similarities, random_image)

NUM_TEXT = len(TEXT_CLASS_IDS)


def world(seed, sizes=(10, 16, 7, 12)):
    rng = np.random.default_rng(seed)
    images = [random_image(rng, k) for k in sizes]
    sims = [cached_similarities(lab, s) for _, lab, s, _ in images]
    stats = [
        compute_image_stats(f'i{n}', masks, np.zeros((len(masks), DIM)), gt,
                            len(CLASSES), 255)
        for n, (masks, _, _, gt) in enumerate(images)
    ]
    data = CalibrationData(stats, len(CLASSES))
    labels = np.concatenate([lab for _, lab, _, _ in images])
    text = np.array([TEXT_CLASS_IDS.index(lab) for lab in labels])
    return images, sims, data, labels, text, np.concatenate(sims)


def fine_grid(scores):
    """Step 1e-4 over [-1, 1] plus every similarity itself (plain numpy)."""
    return np.unique(np.concatenate([np.linspace(-1, 1, 20001), scores]))


@pytest.mark.parametrize('unassigned', [0, 255])
def test_sweep_equals_painting_at_every_candidate(unassigned):
    images, sims, data, labels, _, scores = world(1)
    thresholds = candidate_thresholds(scores, 10000)
    free = np.ones(len(scores), bool)
    inter, pred = sweep_thresholds(data, labels, scores, free, ~free,
                                   thresholds, unassigned)
    curve = miou_percent(inter, pred, data.gt_area)
    for t, value in zip(thresholds, curve):
        expected = brute_force_miou(images, [t] * NUM_TEXT, unassigned,
                                    sims)
        assert value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize('seed', [2, 3, 4])
def test_global_search_finds_the_brute_force_maximum(seed):
    images, sims, data, labels, _, scores = world(seed)
    choice = search_global_threshold(data, labels, scores, 0, 10000)
    grid = fine_grid(scores)
    brute = brute_force_curve(images, sims,
                              np.repeat(grid[:, None], NUM_TEXT, 1)).max()
    assert choice.miou == pytest.approx(brute, abs=1e-9)
    # The chosen threshold itself paints to that mIoU.
    assert brute_force_miou(images, [choice.threshold] * NUM_TEXT, 0,
                            sims) == pytest.approx(brute, abs=1e-9)
    assert np.float32(choice.threshold) == choice.threshold


def one_hot_scores(text, scores):
    """(M, C_text) similarities: ``scores`` on the mask's class, 0 else."""
    out = np.zeros((len(text), NUM_TEXT), dtype=np.float32)
    out[np.arange(len(text)), text] = scores
    return out


def test_class_search_finds_the_brute_force_maximum():
    images, sims, data, labels, text, scores = world(5, (14, 18, 11))
    current = np.array([0.3, 0.5, 0.7], dtype=np.float32).astype(float)
    for c in range(NUM_TEXT):
        state = SearchState(data, TEXT_CLASS_IDS, 0,
                            one_hot_scores(text, scores), current, 10000,
                            0.0)
        choice = state.sweep_class(c)
        grid = fine_grid(scores[text == c])
        rows = np.repeat(current[None], len(grid), 0)
        rows[:, c] = grid
        best = brute_force_curve(images, sims, rows).max()
        assert choice.miou == pytest.approx(best, abs=1e-9)
        trial = current.copy()
        trial[c] = choice.threshold
        assert brute_force_miou(images, trial, 0,
                                sims) == pytest.approx(choice.miou, abs=1e-9)
        # The state adopted it and its areas are those of a fresh state.
        assert state.miou == pytest.approx(choice.miou, abs=1e-9)
        fresh = SearchState(data, TEXT_CLASS_IDS, 0,
                            one_hot_scores(text, scores), state.thresholds,
                            10000, 0.0)
        assert fresh.intersect.tolist() == state.intersect.tolist()
        assert fresh.pred.tolist() == state.pred.tolist()


def test_restricted_sweep_plus_the_rest_equals_the_full_sweep():
    _, _, data, labels, text, scores = world(6)
    free = text == 1
    fixed = ~free & (scores > 0.4)
    thresholds = candidate_thresholds(scores[free], 1000)
    full = sweep_thresholds(data, labels, scores, free, fixed, thresholds, 0)
    atoms = data.atoms_of_masks(np.flatnonzero(free))
    part = sweep_thresholds(data, labels, scores, free, fixed, thresholds, 0,
                            atoms)
    rest = np.setdiff1d(np.arange(data.num_atoms), atoms)
    rest_part = sweep_thresholds(data, labels, scores, free, fixed,
                                 thresholds, 0, rest)
    assert (part[0] + rest_part[0]).tolist() == full[0].tolist()
    assert (part[1] + rest_part[1]).tolist() == full[1].tolist()
    # Outside the free masks' atoms nothing depends on the threshold.
    assert (rest_part[0] == rest_part[0][:1]).all()


def test_trying_a_column_matches_a_fresh_state():
    _, _, data, labels, text, scores = world(7)
    rng = np.random.default_rng(0)
    base = one_hot_scores(text, scores)
    for trial in range(10):
        state = SearchState(data, TEXT_CLASS_IDS, 0, base,
                            np.full(NUM_TEXT, 0.4), 1000, 0.0)
        column = rng.uniform(0, 1, len(text)).astype(np.float32)
        before = state.miou
        adopted = state.try_column(trial % NUM_TEXT, column)
        changed = base.copy()
        changed[:, trial % NUM_TEXT] = column
        fresh = SearchState(data, TEXT_CLASS_IDS, 0, changed,
                            np.full(NUM_TEXT, 0.4), 1000, 0.0)
        assert adopted == (fresh.miou > before)
        expected = fresh if adopted else SearchState(
            data, TEXT_CLASS_IDS, 0, base, np.full(NUM_TEXT, 0.4), 1000, 0.0)
        assert state.intersect.tolist() == expected.intersect.tolist()
        assert state.pred.tolist() == expected.pred.tolist()
        assert state.mask_label.tolist() == expected.mask_label.tolist()


def test_choose_threshold_prefers_the_middle_of_the_widest_plateau():
    t = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    miou = np.array([5, 9, 9, 1, 9, 9, 9], dtype=float)
    # Runs of 9: [0.2, 0.3] (width 0.1) and [0.5, 0.7] (width 0.2).
    choice = choose_threshold(t, miou)
    assert choice.threshold == 0.6 and choice.miou == 9


def test_choose_threshold_keeps_the_current_value_unless_beaten():
    t = np.array([0.1, 0.2, 0.3])
    assert not choose_threshold(t, np.array([4., 4., 2.]), 0.1).changed
    moved = choose_threshold(t, np.array([4., 5., 2.]), 0.1)
    assert moved.changed and moved.threshold == 0.2
    # A gain of 1 point is not more than min_gain 1.
    assert not choose_threshold(t, np.array([4., 5., 2.]), 0.1, 1.0).changed


def test_candidates_cover_every_interval_between_scores():
    scores = np.array([0.25, 0.5, 0.5, 0.75], dtype=np.float32)
    t = candidate_thresholds(scores, 100)
    # (-inf, .25) -> mid of [-1, .25]; [.25, .5); [.5, .75); [.75, inf) ->
    # mid of [.75, 1].
    assert t.tolist() == [-0.375, 0.375, 0.625, 0.875]
