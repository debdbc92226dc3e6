"""``tools/annotate.py --prompts``: every labeller is reachable from the CLI.

Untrained tiny SAM (``--random-init tiny``): the tests check that the run
writes labels, cache and manifest through the shared run loop, not quality.
"""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VOC_OBJECT = ('<object><name>{}</name><bndbox><xmin>{}</xmin><ymin>{}</ymin>'
              '<xmax>{}</xmax><ymax>{}</ymax></bndbox></object>')


@pytest.fixture
def images_and_boxes(tmp_path):
    images, boxes = tmp_path / 'images', tmp_path / 'Annotations'
    images.mkdir()
    boxes.mkdir()
    rng = np.random.default_rng(0)
    for index in range(2):
        cv2.imwrite(
            str(images / f'img{index}.png'),
            rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
        (boxes / f'img{index}.xml').write_text(
            '<annotation>' + VOC_OBJECT.format('cat', 2, 3, 20, 25) +
            '</annotation>')
    classes = tmp_path / 'classes.txt'
    classes.write_text('background\ncat\n')
    return tmp_path, images, boxes, classes


def run_annotate(*args):
    return subprocess.run([sys.executable, 'tools/annotate.py', *args],
                          cwd=ROOT,
                          capture_output=True,
                          text=True,
                          timeout=600)


@pytest.mark.e2e
def test_boxes_through_the_cli(images_and_boxes):
    root, images, boxes, classes = images_and_boxes
    out = root / 'out'
    result = run_annotate(
        str(images), str(out), '--prompts', 'boxes', '--prompt-file',
        str(boxes), '--classes', str(classes), '--random-init', 'tiny',
        '--no-progress')
    assert result.returncode == 0, result.stderr[-3000:]
    for stem in ('img0', 'img1'):
        label = cv2.imread(str(out / 'labels' / f'{stem}.png'),
                           cv2.IMREAD_UNCHANGED)
        assert label.shape == (40, 48)
        assert set(np.unique(label)) <= {0, 1}
        assert (out / 'cache' / f'{stem}.npz').is_file()
    manifest = json.loads((out / 'manifest.json').read_text())
    assert 'boxes' in json.dumps(manifest)


def test_zero_shot_needs_a_threshold(images_and_boxes):
    root, images, _, _ = images_and_boxes
    result = run_annotate(str(images), str(root / 'out'))
    assert result.returncode == 2
    assert '--threshold (or --settings) is required' in result.stderr
