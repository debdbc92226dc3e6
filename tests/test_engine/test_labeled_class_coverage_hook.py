"""LabeledClassCoverageHook and the counts it reads (expected values
counted by hand from the label maps written here)."""
import os
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmseg_zsl.datasets import (SemiSegDataset, ToyShapesDataset,
                                class_pixel_counts)
from mmseg_zsl.engine import LabeledClassCoverageHook

# background, circle, square, triangle, star, ring
MASKS = {
    'a': [[0, 0, 1], [1, 255, 2]],  # 2 background, 2 circle, 1 square
    'b': [[2, 2, 2], [5, 5, 255]],  # 3 square, 2 ring
}


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _world(root, masks):
    for stem, mask in masks.items():
        for folder in ('images', 'masks'):
            os.makedirs(osp.join(root, folder), exist_ok=True)
        cv2.imwrite(osp.join(root, 'images', stem + '.png'),
                    np.zeros((2, 3, 3), np.uint8))
        cv2.imwrite(osp.join(root, 'masks', stem + '.png'),
                    np.array(mask, np.uint8))
    with open(osp.join(root, 'ids.txt'), 'w') as file:
        file.write('\n'.join(masks) + '\n')
    return ToyShapesDataset(data_root=root, ann_file='ids.txt', pipeline=[])


class Logger:

    def __init__(self):
        self.lines = []

    def info(self, message):
        self.lines.append(('info', message))

    def warning(self, message):
        self.lines.append(('warning', message))


def _run_hook(dataset, rank=0):
    runner = SimpleNamespace(
        rank=rank,
        logger=Logger(),
        train_dataloader=SimpleNamespace(dataset=dataset))
    LabeledClassCoverageHook(progress=False).before_train(runner)
    return runner.logger.lines


def test_counts_pixels_per_class_without_the_ignore_index(tmp_path):
    dataset = _world(str(tmp_path), MASKS)
    counts = class_pixel_counts(dataset, progress=False)
    assert counts.tolist() == [2, 2, 4, 0, 0, 2]


def test_warns_naming_the_classes_without_labeled_pixels(tmp_path):
    labeled = _world(str(tmp_path / 'l'), MASKS)
    unlabeled = _world(str(tmp_path / 'u'), {'c': [[3, 4, 0]]})
    lines = _run_hook(SemiSegDataset(labeled=labeled, unlabeled=unlabeled))
    assert len(lines) == 1
    level, message = lines[0]
    assert level == 'warning'
    assert message.startswith('2 of 6 classes have no pixel in the labeled '
                              'set (2 images): triangle, star.')
    assert 'mode zsl' in message and 'docs/training.md' in message


def test_says_so_when_every_class_is_covered(tmp_path):
    masks = dict(MASKS, c=[[3, 4, 0]])
    labeled = _world(str(tmp_path / 'l'), masks)
    lines = _run_hook(SemiSegDataset(labeled=labeled, unlabeled=labeled))
    assert lines == [('info', 'labeled set: each of the 6 classes has '
                      'labeled pixels')]


def test_other_ranks_and_datasets_without_a_labeled_split_are_left_alone(
        tmp_path):
    labeled = _world(str(tmp_path), MASKS)
    assert _run_hook(SemiSegDataset(labeled=labeled, unlabeled=labeled),
                     rank=1) == []
    assert _run_hook(labeled) == []  # supervised: the whole training set
