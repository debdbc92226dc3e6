import json
import os
import re

import numpy as np
import pytest
from PIL import Image

from mmseg_zsl.visualization import report_pseudo_labels
from ._data import GT, PRED, blank_image, dirs, write_item

CLASSES = ['background', 'cat', 'dog']


def _three_images(root):
    """'a' perfect (mIoU 100), 'b' all wrong (0), 'c' half right (50).

    c: GT is class 1 everywhere; the pseudo label is 1 on the left half and
    2 on the right half -> IoU(1) = 8 / 16 = 50, IoU(2) = 0 / 8 = 0, so
    mIoU(c) = 25. b: GT 1, pseudo 2 everywhere -> IoU(1) = IoU(2) = 0.
    """
    ones = np.ones((4, 4), dtype=np.uint8)
    half = ones.copy()
    half[:, 2:] = 2
    write_item(root, 'a', blank_image(4, 4), ones, ones, ext='.png')
    write_item(root, 'b', blank_image(4, 4), 2 * ones, ones, ext='.png')
    write_item(root, 'c', blank_image(4, 4), half, ones, ext='.png')


def test_report_json_holds_hand_computed_iou(tmp_path):
    # Same 4x4 example as test_metrics.py (hand-derived there): per-class
    # IoU 60, 500/7, 75 and the confusion matrix with its unassigned column.
    write_item(tmp_path, 'x', blank_image(4, 4), PRED, GT, ext='.png')
    pseudo, img, gt = dirs(tmp_path)
    report_pseudo_labels(pseudo, img, str(tmp_path / 'out'), gt_dir=gt,
                         class_names=CLASSES)
    with open(tmp_path / 'out' / 'report.json') as f:
        report = json.load(f)
    assert report['per_class_iou'] == pytest.approx([60.0, 500 / 7, 75.0])
    assert report['miou'] == pytest.approx((60 + 500 / 7 + 75) / 3)
    assert report['per_image_miou'] == {'x': pytest.approx(report['miou'])}
    assert report['confusion_matrix']['counts'] == [[3, 1, 0, 0],
                                                    [0, 5, 0, 1],
                                                    [1, 0, 3, 0]]
    assert report['confusion_matrix']['columns'][-1] == 'unassigned'


def test_worst_order_shows_lowest_miou_first(tmp_path):
    _three_images(tmp_path)
    pseudo, img, gt = dirs(tmp_path)
    report = report_pseudo_labels(pseudo, img, str(tmp_path / 'out'),
                                  gt_dir=gt, num=2, order='worst',
                                  class_names=CLASSES)
    assert report['shown'] == ['b', 'c']
    assert report['per_image_miou'] == {'a': 100.0, 'b': 0.0, 'c': 25.0}


def test_random_order_is_seeded(tmp_path):
    _three_images(tmp_path)
    pseudo, img, _ = dirs(tmp_path)
    shown = [
        report_pseudo_labels(pseudo, img, str(tmp_path / f'out{i}'), num=2,
                             seed=3)['shown'] for i in range(2)
    ]
    assert shown[0] == shown[1] and len(shown[0]) == 2


def test_index_html_references_every_sheet_and_chart(tmp_path):
    _three_images(tmp_path)
    pseudo, img, gt = dirs(tmp_path)
    out = tmp_path / 'out'
    report = report_pseudo_labels(pseudo, img, str(out), gt_dir=gt,
                                  rows_per_sheet=2, class_names=CLASSES)
    # 3 images, 2 rows per sheet -> 2 sheets.
    assert report['sheets'] == ['sheet_000.png', 'sheet_001.png']
    expected = set(report['sheets']) | {
        'iou_per_class.png', 'confusion_matrix.png', 'class_frequency.png'}
    assert set(report['sheets']) | set(report['charts'].values()) == expected
    html = (out / 'index.html').read_text()
    linked = set(re.findall(r'src="([^"]+)"', html))
    assert linked == expected
    for name in expected:
        assert Image.open(out / name).size[0] > 100


def test_without_ground_truth_only_frequency_chart(tmp_path):
    _three_images(tmp_path)
    pseudo, img, _ = dirs(tmp_path)
    out = tmp_path / 'out'
    report = report_pseudo_labels(pseudo, img, str(out))
    assert report['miou'] is None and report['order'] == 'random'
    # Without class names the classes are 0 .. largest index seen (2).
    assert report['classes'] == ['class 0', 'class 1', 'class 2']
    assert sorted(os.listdir(out)) == [
        'class_frequency.png', 'index.html', 'report.json', 'sheet_000.png']


def test_stale_sheets_of_an_earlier_report_are_removed(tmp_path):
    _three_images(tmp_path)
    pseudo, img, _ = dirs(tmp_path)
    out = str(tmp_path / 'out')
    report_pseudo_labels(pseudo, img, out, rows_per_sheet=1)
    report_pseudo_labels(pseudo, img, out, rows_per_sheet=3)
    assert [n for n in os.listdir(out) if n.startswith('sheet')] == [
        'sheet_000.png']


def test_missing_directory_is_named(tmp_path):
    _three_images(tmp_path)
    _, img, _ = dirs(tmp_path)
    with pytest.raises(FileNotFoundError, match='pseudo-label directory'):
        report_pseudo_labels(str(tmp_path / 'nope'), img,
                             str(tmp_path / 'out'))


def test_no_matching_stems(tmp_path):
    write_item(tmp_path, 'a', blank_image(4, 4), np.ones((4, 4), np.uint8))
    os.rename(tmp_path / 'img' / 'a.jpg', tmp_path / 'img' / 'z.jpg')
    pseudo, img, _ = dirs(tmp_path)
    with pytest.raises(ValueError, match='No stem is present'):
        report_pseudo_labels(pseudo, img, str(tmp_path / 'out'))


def test_size_mismatch_names_the_file(tmp_path):
    write_item(tmp_path, 'a', blank_image(4, 6), np.ones((4, 4), np.uint8))
    pseudo, img, _ = dirs(tmp_path)
    with pytest.raises(ValueError, match=r'a\.png is 4x4 .*a\.jpg is 6x4'):
        report_pseudo_labels(pseudo, img, str(tmp_path / 'out'))


def test_ground_truth_size_mismatch_names_the_file(tmp_path):
    ones = np.ones((4, 4), np.uint8)
    write_item(tmp_path, 'a', blank_image(4, 4), ones,
               np.ones((5, 4), np.uint8))
    pseudo, img, gt = dirs(tmp_path)
    with pytest.raises(ValueError, match=r'Ground truth .*a\.png is 4x5'):
        report_pseudo_labels(pseudo, img, str(tmp_path / 'out'), gt_dir=gt)


def test_index_beyond_the_classes_says_what_to_do(tmp_path):
    label = np.full((4, 4), 5, np.uint8)
    write_item(tmp_path, 'a', blank_image(4, 4), label)
    pseudo, img, _ = dirs(tmp_path)
    with pytest.raises(ValueError,
                       match=r'a\.png holds class index \[5\].*only 3 class '
                       r'names.*--classes FILE'):
        report_pseudo_labels(pseudo, img, str(tmp_path / 'out'),
                             class_names=CLASSES)


def test_colour_label_is_refused(tmp_path):
    write_item(tmp_path, 'a', blank_image(4, 4), blank_image(4, 4))
    pseudo, img, _ = dirs(tmp_path)
    with pytest.raises(ValueError, match='a.png is a RGB image'):
        report_pseudo_labels(pseudo, img, str(tmp_path / 'out'))


def test_worst_order_needs_ground_truth(tmp_path):
    _three_images(tmp_path)
    pseudo, img, _ = dirs(tmp_path)
    with pytest.raises(ValueError, match='needs ground truth'):
        report_pseudo_labels(pseudo, img, str(tmp_path / 'out'),
                             order='worst')
