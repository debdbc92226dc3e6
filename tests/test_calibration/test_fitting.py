"""Stages: prompt choice, per-class thresholds and their fallback."""
import numpy as np

from mmseg_zsl.calibration import (PromptSpace, SearchOptions, choose_stage,
                                   fit_stages, run_calibration)
from mmseg_zsl.calibration.metrics import IoUAreas
from mmseg_zsl.calibration.runner import StageOutcome
from ._cache import (DIM, TEXT_CLASS_IDS, FakeEncoder, base_labels,
                     in_memory_data, segment_embedding, tiled_image, unit)

TEXT_NAMES = ['cat', 'dog', 'bird']


def space(encoder, synonyms=None, templates=('a photo of a {}.', ),
          search=True):
    return PromptSpace.build(TEXT_NAMES, TEXT_NAMES,
                             [[f'a photo of a {n}.'] for n in TEXT_NAMES],
                             encoder, synonyms, templates, search)


def test_prompt_choice_picks_the_matching_synonym():
    """Cat segments look like 'kitty' (unit 3), not like 'cat' (unit 0)."""
    kitty = unit(3)

    def embed(label, sim):
        if label == 1:
            return sim * kitty + np.sqrt(1 - sim**2) * unit(DIM - 1)
        return segment_embedding(label, sim)

    encoder = FakeEncoder({'a photo of a kitty.': kitty, 'a kitty.': kitty})
    images = [
        tiled_image([(1, 0.8, True), (2, 0.7, True), (1, 0.75, True),
                     (3, 0.3, False), (1, 0.2, False), (3, 0.9, True)])
        for _ in range(3)
    ]
    data = in_memory_data(images, embed)
    prompts = space(encoder, {'cat': ['kitty']},
                    ('a photo of a {}.', 'a {}.'))
    stages = fit_stages(data, prompts, TEXT_CLASS_IDS, 0,
                        SearchOptions(per_class=False))
    chosen = prompts.prompts(stages['prompts'].choice)
    assert chosen[0] == ['a photo of a kitty.', 'a kitty.']
    assert chosen[1:] == [['a photo of a dog.'], ['a photo of a bird.']]
    assert stages['prompts'].train_miou == 100.0
    assert stages['global'].train_miou < 100.0


def test_per_class_thresholds_fall_back_to_the_global_one():
    """True segments at 0.8, false ones at 0.3 for every class: one
    threshold is already optimal, so no class gets its own."""
    images = [
        tiled_image([(1, 0.8, True), (2, 0.3, False), (3, 0.8, True),
                     (1, 0.3, False), (2, 0.8, True), (3, 0.3, False)])
        for _ in range(4)
    ]
    data = in_memory_data(images)
    result = run_calibration(
        data, base_labels(0.9), space(FakeEncoder(), search=False),
        SearchOptions(prompt_search=False), folds=2, progress=False)
    per_class = result.stages['per_class']
    assert isinstance(per_class.threshold, float)
    assert per_class.threshold == result.stages['global'].threshold
    assert 0.3 <= per_class.threshold < 0.8
    # Equal cross-validated mIoU: the simpler stage is chosen.
    assert per_class.cv_miou == result.stages['global'].cv_miou == 100.0
    assert result.chosen == 'global'
    assert result.settings.threshold == per_class.threshold


def test_per_class_thresholds_kept_when_they_generalise():
    """Cat needs a threshold in [0.5, 0.8), dog one in [0.2, 0.4): no
    single threshold separates both, per-class ones do on every fold."""
    images = [
        tiled_image([(1, 0.8, True), (1, 0.5, False), (2, 0.4, True),
                     (2, 0.2, False), (3, 0.9, True), (3, 0.1, False)])
        for _ in range(4)
    ]
    result = run_calibration(
        in_memory_data(images), base_labels(0.9),
        space(FakeEncoder(), search=False),
        SearchOptions(prompt_search=False), folds=4, progress=False)
    assert result.chosen == 'per_class'
    assert result.after.miou == 100.0 and result.after.cv_miou == 100.0
    assert result.stages['global'].cv_miou < 100.0
    threshold = result.settings.threshold
    assert 0.5 <= threshold.get('cat', threshold['default']) < 0.8
    assert 0.2 <= threshold.get('dog', threshold['default']) < 0.4


def outcome(name, train, cv):
    def areas(value):  # one class with IoU = value %
        return IoUAreas(np.array([value]), np.array([value]),
                        np.array([100]))
    return StageOutcome(name, [], [], 0.5, areas(train), areas(cv))


def test_choice_follows_cross_validation_not_training():
    stages = {
        'default': outcome('default', 40, 40),
        'global': outcome('global', 60, 55),
        'per_class': outcome('per_class', 70, 50),  # overfits
    }
    assert choose_stage(stages) == 'global'
    stages['per_class'] = outcome('per_class', 70, 56)
    assert choose_stage(stages) == 'per_class'


def test_images_without_masks_calibrate():
    empty = (np.zeros((0, 8, 24), bool), np.zeros(0, np.int64),
             np.zeros(0), np.ones((8, 24), np.uint8))
    result = run_calibration(
        in_memory_data([empty, empty]), base_labels(0.5),
        space(FakeEncoder(), {'cat': ['kitty']}), folds=2, progress=False)
    # Nothing can be assigned: class 1 has IoU 0 whatever the settings.
    assert result.after.miou == 0.0 and result.chosen == 'default'
