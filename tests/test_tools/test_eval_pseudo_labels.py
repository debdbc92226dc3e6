"""tools/eval_pseudo_labels.py on hand-made label maps."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def load_tool():
    spec = importlib.util.spec_from_file_location(
        '_tool_eval_pseudo_labels',
        osp.join(ROOT, 'tools', 'eval_pseudo_labels.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(directory, name, array):
    directory.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(directory / name), np.asarray(array, dtype=np.uint8))


@pytest.fixture
def dirs(tmp_path):
    pred, gt = tmp_path / 'pred', tmp_path / 'gt'
    # image a: gt [0 0 1 1 / 255 255 1 1], pred [0 1 1 1 / 0 0 1 2]
    write(gt, 'a.png', [[0, 0, 1, 1], [255, 255, 1, 1]])
    write(pred, 'a.png', [[0, 1, 1, 1], [0, 0, 1, 2]])
    # image b: gt all 2, pred [2 2 / 255 0] (255 = unassigned prediction)
    write(gt, 'b.png', [[2, 2], [2, 2]])
    write(pred, 'b.png', [[2, 2], [255, 0]])
    write(pred, 'c.png', [[0]])  # no ground truth: skipped
    return pred, gt


def test_iou_accumulated_over_images_by_hand(dirs, capsys):
    pred, gt = dirs
    results = load_tool().main([str(pred), str(gt), '--num-classes', '3'])
    # Valid pixels: a's 6 non-ignored, b's 4.
    # class 0: gt {a00, a01}, pred {a00, b11} -> I 1, U 3 -> 33.33
    # class 1: gt {a02, a03, a12, a13}, pred {a01, a02, a03, a12}
    #          -> I 3, U 5 -> 60
    # class 2: gt {b00, b01, b10, b11}, pred {a13, b00, b01}
    #          -> I 2, U 5 -> 40
    assert results['per_class'] == pytest.approx({
        '0': 100 / 3, '1': 60.0, '2': 40.0})
    assert results['mIoU'] == pytest.approx((100 / 3 + 60 + 40) / 3)
    assert results['num_images'] == 2
    assert results['without_ground_truth'] == 1
    assert 'mIoU 44.44' in capsys.readouterr().out


def test_reads_classes_and_threshold_from_a_manifest(dirs, tmp_path, capsys):
    pred, gt = dirs
    out = tmp_path / 'annotation'
    (out / 'labels').mkdir(parents=True)
    for name in ('a.png', 'b.png'):
        (out / 'labels' / name).write_bytes((pred / name).read_bytes())
    (out / 'manifest.json').write_text(json.dumps(dict(
        annotator='zero-shot', untrained_models=False,
        models=dict(sam=dict(model_type='vit_h')),
        labels=dict(classes=['background', 'cat', 'dog'], threshold=0.21,
                    unassigned_label=255))))
    results = load_tool().main([str(out), str(gt)])
    printed = capsys.readouterr().out
    assert 'threshold: 0.21' in printed and 'vit_h' in printed
    assert set(results['per_class']) == {'background', 'cat', 'dog'}
    assert results['per_class']['cat'] == pytest.approx(60.0)


def test_needs_classes_without_manifest(dirs):
    pred, gt = dirs
    with pytest.raises(ValueError, match='--num-classes'):
        load_tool().main([str(pred), str(gt)])


def test_labels_of_another_class_list_and_rgb_labels_are_named(
        dirs, tmp_path, capsys):
    pred, gt = dirs
    write(pred, 'a.png', [[0, 1, 7, 1], [0, 0, 1, 2]])  # 7: no class of 3
    results = load_tool().main([str(pred), str(gt), '--num-classes', '3'])
    assert results['labels_outside_classes'] == {'a': [7]}
    assert 'WARNING: 1 label files hold values outside the 3 classes' in \
        capsys.readouterr().out
    cv2.imwrite(str(pred / 'b.png'),
                np.dstack([np.zeros((2, 2), np.uint8)] * 2 +
                          [np.ones((2, 2), np.uint8)]))
    with pytest.raises(ValueError, match='b.png is a 3-channel image'):
        load_tool().main([str(pred), str(gt), '--num-classes', '3'])
