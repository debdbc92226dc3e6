"""Calibration end to end on hand-made caches: CV, report, and settings
that reproduce the reported mIoU through the relabel path."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmseg.evaluation.metrics import IoUMetric

from mmseg_zsl.annotation import ZeroShotLabeler
from mmseg_zsl.apis import run_relabel
from mmseg_zsl.apis.calibrate import annotate_options_from_settings
from mmseg_zsl.apis.modes.zero_shot import build_vocabulary
from mmseg_zsl.calibration import (PromptSpace, SearchOptions, build_report,
                                   fold_indices, format_report,
                                   ground_truth_paths, load_calibration_data,
                                   load_calibration_settings,
                                   read_ground_truth, run_calibration,
                                   save_calibration_settings)
from ._cache import (CLASSES, TEXT_CLASS_IDS, FakeEncoder, base_labels,
                     random_image, write_cache)


def labelled_dir(tmp_path, seed=0, num_images=6):
    rng = np.random.default_rng(seed)
    images = [random_image(rng, int(k)) for k in rng.integers(6, 16,
                                                              num_images)]
    root = str(tmp_path / 'ann')
    stems = write_cache(root, images)
    gt_files, _ = ground_truth_paths(stems, gt_dir=osp.join(root, 'gt'))
    cache = {s: osp.join(root, 'cache', s + '.npz') for s in stems}
    data = load_calibration_data(stems, cache, gt_files, len(CLASSES),
                                 progress=False)
    return root, stems, data


def calibrate(data, encoder, folds=3, **options):
    base = base_labels(0.5)
    space = PromptSpace.build(
        ['cat', 'dog', 'bird'], ['cat', 'dog', 'bird'], base.prompts,
        encoder, {'dog': ['puppy']}, ('a photo of a {}.', 'a {}.'))
    return base, run_calibration(data, base, space,
                                 SearchOptions(**options), folds=folds,
                                 progress=False)


def relabel_miou(root, stems, settings, encoder):
    """Relabel the cache with ``settings`` (the --relabel path) and score
    the written PNGs with mmseg's IoUMetric."""
    labeler = ZeroShotLabeler.from_vocabulary(settings.vocabulary(), encoder,
                                              settings.threshold,
                                              settings.unassigned_label)
    run_relabel(stems, root, labeler,
                lambda old: old or {'annotator': 'zero-shot'},
                progress=False)
    totals = [torch.zeros(len(CLASSES), dtype=torch.float64)
              for _ in range(4)]
    for stem in stems:
        pred = read_ground_truth(osp.join(root, 'labels', stem + '.png'))
        gt = read_ground_truth(osp.join(root, 'gt', stem + '.png'))
        areas = IoUMetric.intersect_and_union(
            torch.from_numpy(pred.astype(np.int64)),
            torch.from_numpy(gt.astype(np.int64)), len(CLASSES), 255)
        for total, area in zip(totals, areas):
            total += area.double()
    iou = (totals[0] / totals[1]).numpy() * 100
    return float(np.nanmean(iou)), iou


@pytest.mark.parametrize('suffix', ['.json', '.yaml'])
def test_written_settings_reproduce_the_reported_miou(tmp_path, suffix):
    root, stems, data = labelled_dir(tmp_path)
    encoder = FakeEncoder()
    base, result = calibrate(data, encoder)
    path = str(tmp_path / f'settings{suffix}')
    save_calibration_settings(result.settings, path)
    settings = load_calibration_settings(path)
    assert settings == result.settings
    miou, iou = relabel_miou(root, stems, settings, encoder)
    assert miou == pytest.approx(result.after.miou, abs=1e-9)
    np.testing.assert_allclose(iou, result.after.areas.iou(), atol=1e-9)
    assert settings.calibration['mIoU_after'] == pytest.approx(miou)
    # 'before' is what the labelling run's own settings give.
    before = base.settings(base.prompts, base.threshold, {})
    assert relabel_miou(root, stems, before, encoder)[0] == pytest.approx(
        result.before.miou, abs=1e-9)
    assert result.after.miou >= result.before.miou


def test_settings_give_annotate_dataset_the_same_vocabulary(tmp_path):
    _, _, data = labelled_dir(tmp_path)
    _, result = calibrate(data, FakeEncoder())
    path = str(tmp_path / 'settings.json')
    save_calibration_settings(result.settings, path)
    options = annotate_options_from_settings(path, unassigned_label=255,
                                             classes=None)
    assert options['unassigned_label'] == 255
    assert options['threshold'] == result.settings.threshold
    # annotate_dataset builds its vocabulary this way from the options.
    vocabulary = build_vocabulary(options['classes'], None,
                                  options['templates'],
                                  options['class_prompts'],
                                  options['background_names'])
    expected = result.settings.vocabulary()
    assert vocabulary.prompts == expected.prompts
    assert vocabulary.text_class_ids == expected.text_class_ids == \
        TEXT_CLASS_IDS
    with pytest.raises(TypeError, match='Unknown options'):
        annotate_options_from_settings(path, gem_depth=3)


def test_cross_validation_runs_and_reports(tmp_path):
    _, stems, data = labelled_dir(tmp_path, seed=1, num_images=7)
    base, result = calibrate(data, FakeEncoder(), folds=3)
    assert sorted(sum(result.folds, [])) == sorted(stems)
    assert [len(f) for f in result.folds] == [3, 2, 2]
    for stage in result.stages.values():
        assert stage.cv_miou is not None
    report = build_report(result, base, num_images=len(stems))
    json.dumps(report)  # JSON-ready
    assert report['mIoU_cv'] == pytest.approx(result.after.cv_miou)
    assert report['cross_validation']['folds'] == 3
    assert set(report['per_class']) == set(CLASSES)
    assert report['chosen'] == max(
        report['stages'], key=lambda n: (report['stages'][n]['mIoU_cv'],
                                         -list(report['stages']).index(n)))
    text = format_report(report)
    assert 'cross-validated' in text and report['chosen'] in text


def test_cross_validation_scores_each_image_once_on_held_out_fits(tmp_path):
    """The default stage is not fitted: its CV areas are its areas; a
    fitted stage's CV areas sum the held-out folds' areas."""
    _, _, data = labelled_dir(tmp_path, seed=2, num_images=5)
    _, result = calibrate(data, FakeEncoder(), folds=5)
    before = result.stages['default']
    assert before.cv_areas.intersect.tolist() == \
        before.areas.intersect.tolist()
    for stage in result.stages.values():
        assert stage.cv_areas.label.tolist() == data.gt_area.tolist()


def test_no_cross_validation_with_one_image(tmp_path):
    _, _, data = labelled_dir(tmp_path, num_images=1)
    _, result = calibrate(data, FakeEncoder(), folds=5)
    assert result.folds == [] and result.after.cv_miou is None
    assert result.settings.calibration['mIoU_cv'] is None


def test_fold_indices_partition_deterministically():
    parts = fold_indices(10, 3, seed=0)
    assert sorted(np.concatenate(parts).tolist()) == list(range(10))
    assert [p.tolist() for p in parts] == \
        [p.tolist() for p in fold_indices(10, 3, seed=0)]
    assert [p.tolist() for p in parts] != \
        [p.tolist() for p in fold_indices(10, 3, seed=1)]
