"""tools/calibrate_zero_shot.py on a tiny toy world (untrained models).

The numbers come from random SAM / CLIP and say nothing about quality: this
checks the pipeline (annotate -> cache -> calibrate -> settings -> relabel).
"""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('open_clip')
pytest.importorskip('segment_anything')

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SMOKE = [
    '--random-init', 'tiny', '--points-per-side', '4', '--image-size',
    '224', '--device', 'cpu', '--no-progress'
]


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', osp.join(ROOT, 'tools', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    from mmseg_zsl.toy_world import generate_toy_world
    root = tmp_path_factory.mktemp('calib') / 'world'
    generate_toy_world(
        str(root),
        num_train=6,
        num_val=1,
        seed=0,
        labeled_counts=(4, ),
        show_progress=False)
    return root


def read(out_dir, stem):
    from mmseg_zsl.calibration import read_ground_truth
    return read_ground_truth(osp.join(out_dir, 'labels', stem + '.png'))


def relabelled_miou(out_dir, world, stems, num_classes):
    from mmseg.evaluation.metrics import IoUMetric

    from mmseg_zsl.calibration import read_ground_truth
    totals = [torch.zeros(num_classes, dtype=torch.float64)
              for _ in range(4)]
    for stem in stems:
        pred = read_ground_truth(osp.join(out_dir, 'labels', stem + '.png'))
        gt = read_ground_truth(osp.join(world, 'masks', stem + '.png'))
        areas = IoUMetric.intersect_and_union(
            torch.from_numpy(pred.astype(np.int64)),
            torch.from_numpy(gt.astype(np.int64)), num_classes, 255)
        for total, area in zip(totals, areas):
            total += area.double()
    return float(np.nanmean((totals[0] / totals[1]).numpy() * 100))


@pytest.mark.e2e
def test_calibration_from_the_annotation_cache(world, tmp_path):
    from mmseg_zsl.apis import relabel
    from mmseg_zsl.apis.calibrate import (annotate_options_from_settings,
                                          relabel_with_settings)
    from mmseg_zsl.calibration import load_calibration_settings
    tool = load_tool('calibrate_zero_shot')
    split = str(world / 'splits' / '4' / 'labeled.txt')
    synonyms = tmp_path / 'synonyms.txt'
    synonyms.write_text('# shapes\nring: annulus, donut\nsquare: box\n')
    out = str(tmp_path / 'labelled')
    search = [
        '--folds', '2', '--candidate-templates', 'a photo of a {}.', 'a {}.',
        '--synonyms',
        str(synonyms)
    ]
    report = tool.main([
        split, out, '--data-root',
        str(world), '--classes', 'ToyShapesDataset', '--threshold', '0.0',
        *SMOKE, *search
    ])
    assert report['untrained_models'] is True
    assert report['num_images'] == 4
    assert report['cross_validation']['images_per_fold'] == [2, 2]
    assert report['mIoU_after'] >= report['mIoU_before'] or \
        report['chosen'] == 'default'
    settings_file = osp.join(out, 'calibration', 'settings.json')
    assert report['settings_file'] == settings_file
    with open(osp.join(out, 'calibration', 'report.json')) as file:
        assert json.load(file)['mIoU_cv'] == report['mIoU_cv']
    settings = load_calibration_settings(settings_file)
    assert settings.classes[0] == 'background'
    assert settings.calibration['mIoU_after'] == report['mIoU_after']

    # From the cache only (no SAM): the same choice.
    again = tool.main([
        split, out, '--data-root',
        str(world), '--skip-annotation', '--no-progress', *search
    ])
    assert again['settings'] == report['settings']

    # The settings reproduce the reported mIoU through --relabel, as
    # tools/annotate.py --settings FILE --relabel runs it.
    stems = [s for fold in report['cross_validation']['held_out']
             for s in fold]
    relabel(
        out,
        split,
        data_root=str(world),
        device='cpu',
        progress=False,
        **annotate_options_from_settings(settings_file))
    assert relabelled_miou(out, world, stems, 6) == pytest.approx(
        report['mIoU_after'], abs=1e-9)
    labels = {s: read(out, s) for s in stems}
    relabel_with_settings(out, settings, progress=False)
    assert all((read(out, s) == labels[s]).all() for s in stems)

    # The labelled directory now holds other labels: annotating into it
    # again is refused, with the way out.
    with pytest.raises(ValueError, match='--skip-annotation'):
        tool.main([
            split, out, '--data-root',
            str(world), '--classes', 'ToyShapesDataset', '--threshold',
            '0.0', *SMOKE, *search
        ])


@pytest.mark.e2e
def test_failed_labelled_image_stops_calibration_naming_the_list(
        world, tmp_path):
    """A labelled image that fails annotation leaves no cache: calibration
    cannot start (status 1) and says where the failures are listed."""
    import shutil
    root = tmp_path / 'world'
    shutil.copytree(world, root)
    split = root / 'splits' / '4' / 'labeled.txt'
    first = split.read_text().split()[0]
    (root / first).write_bytes(b'not an image')
    out = str(tmp_path / 'labelled')
    tool = load_tool('calibrate_zero_shot')
    with pytest.raises(FileNotFoundError, match='failures.json'):
        tool.main([
            str(split), out, '--data-root',
            str(root), '--classes', 'ToyShapesDataset', '--threshold', '0.0',
            *SMOKE
        ])
    assert osp.isfile(osp.join(out, 'failures.json'))
