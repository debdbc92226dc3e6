"""tools/train.py (with --resume), tools/test.py, tools/dist_train.sh and
tools/dist_test.sh end to end on a tiny config and a fake PASCAL tree made
here."""
import glob
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

import mmseg_zsl  # noqa: F401  (checkpoints load under weights_only=True)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'tests', 'data', 'configs', 'tiny_zsl_pascal.py')
LABELED = [f'2007_{i:06d}' for i in range(2)]
UNLABELED = [f'2008_{i:06d}' for i in range(6)]
VAL = LABELED + UNLABELED[:1]


def _write(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, array), path


@pytest.fixture(scope='module')
def voc_root(tmp_path_factory):
    """JPEGImages, SegmentationClass, zero_shot/labels, splits/2, val.txt.

    Images are 40 x 56; labels are 8-pixel blocks of classes 0..20 with an
    ignored column; pseudo labels have no ignored pixels.
    """
    root = str(tmp_path_factory.mktemp('voc'))
    rng = np.random.RandomState(0)

    def label(ignore):
        y = np.kron(rng.randint(0, 21, (5, 7)), np.ones((8, 8)))
        if ignore:
            y[:, 20] = 255
        return y.astype(np.uint8)

    for stem in LABELED + UNLABELED:
        _write(osp.join(root, 'JPEGImages', stem + '.jpg'),
               rng.randint(0, 256, (40, 56, 3)).astype(np.uint8))
        _write(osp.join(root, 'SegmentationClass', stem + '.png'), label(True))
        _write(osp.join(root, 'zero_shot', 'labels', stem + '.png'),
               label(False))
    os.makedirs(osp.join(root, 'splits', '2'))
    for name, stems in (('labeled', LABELED), ('unlabeled', UNLABELED)):
        with open(osp.join(root, 'splits', '2', name + '.txt'), 'w') as f:
            f.write('\n'.join(f'JPEGImages/{s}.jpg SegmentationClass/{s}.png'
                              for s in stems))
    val = osp.join(root, 'ImageSets', 'Segmentation', 'val.txt')
    os.makedirs(osp.dirname(val))
    with open(val, 'w') as f:
        f.write('\n'.join(VAL) + '\n')
    return root


def _data_root_options(root):
    keys = ('train_dataloader.dataset.labeled', 'train_dataloader.dataset.'
            'unlabeled', 'val_dataloader.dataset', 'test_dataloader.dataset')
    return [f'{k}.data_root={root}' for k in keys]


def _run(args, timeout=300, env=None):
    # One thread per process: the tiny model gains nothing from more, and
    # on a loaded machine OpenMP synchronisation makes it far slower.
    proc = subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, OMP_NUM_THREADS='1', **(env or {})))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    return output


def _epoch_logs(output, epoch):
    """The training values logged per iteration of ``epoch`` (no timings)."""
    logs = []
    for line in output.splitlines():
        if f'Epoch(train) [{epoch}]' in line:
            values = re.findall(r'(\S+): (-?\d+\.\d+(?:e-?\d+)?)', line)
            logs.append([(key, value) for key, value in values
                         if key not in ('time', 'data_time', 'eta')])
    return logs


def _coverage_line(root):
    """What the run must say about the classes of the labeled set's ground
    truth, counted here with OpenCV and mmseg's VOC class names."""
    from mmseg.datasets import PascalVOCDataset
    classes = PascalVOCDataset.METAINFO['classes']
    seen = set()
    for stem in LABELED:
        seen |= set(cv2.imread(osp.join(root, 'SegmentationClass', stem +
                                        '.png'), cv2.IMREAD_UNCHANGED).flat)
    missing = [name for i, name in enumerate(classes) if i not in seen]
    if not missing:
        return 'each of the 21 classes has labeled pixels'
    return (f'{len(missing)} of 21 classes have no pixel in the labeled set '
            f'(2 images): {", ".join(missing)}.')


def _load(path):
    return torch.load(path, map_location='cpu')  # the safe default loads it


def _train(work_dir, root, *extra, max_epochs=2):
    return _run([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        *extra, '--cfg-options', f'train_cfg.max_epochs={max_epochs}',
        *_data_root_options(root)
    ])


@pytest.mark.e2e
def test_train_stop_resume_and_test(voc_root, tmp_path):
    work_dir = str(tmp_path / 'work')

    # "Stopped" after epoch 1 (3 iterations: 6 unlabeled / 2 per batch).
    out = _train(work_dir, voc_root, max_epochs=1)
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert 'unsup.loss_s1' in out and 'unsup.conf_ratio' in out
    assert 'mIoU' in out  # validated after the epoch
    assert _coverage_line(voc_root) in out  # LabeledClassCoverageHook

    # Resumed: continues at epoch 2 from the saved iteration.
    out = _train(work_dir, voc_root, '--resume', max_epochs=2)
    assert 'resumed epoch: 1, iter: 3' in out
    assert 'Epoch(train) [1]' not in out
    assert 'Epoch(train) [2]' in out
    checkpoint = osp.join(work_dir, 'epoch_2.pth')
    assert osp.isfile(checkpoint)

    # ... and equals an uninterrupted run: the same epoch-2 losses and
    # bit-identical final weights (data order, augmentation and the model's
    # dropout / CutMix draws are functions of the seed, not of the history).
    straight_dir = str(tmp_path / 'straight')
    straight = _train(straight_dir, voc_root, max_epochs=2)
    assert _epoch_logs(out, 2) == _epoch_logs(straight, 2)
    assert len(_epoch_logs(out, 2)) == 3
    resumed = _load(checkpoint)['state_dict']
    uninterrupted = _load(osp.join(straight_dir, 'epoch_2.pth'))['state_dict']
    assert resumed.keys() == uninterrupted.keys()
    for key, value in resumed.items():
        assert torch.equal(value, uninterrupted[key]), key

    # Evaluated with tools/test.py, predictions saved with --out.
    pred_dir = str(tmp_path / 'pred')
    out = _run([
        sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
        str(tmp_path / 'test'), '--out', pred_dir, '--cfg-options',
        *_data_root_options(voc_root)
    ])
    assert 'mIoU' in out
    saved = sorted(osp.basename(p) for p in glob.glob(pred_dir + '/*.png'))
    assert saved == sorted(s + '.png' for s in VAL)
    assert cv2.imread(osp.join(pred_dir, saved[0]),
                      cv2.IMREAD_UNCHANGED).shape == (40, 56)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_dist_train_and_test_run_on_two_cpu_processes(voc_root, tmp_path):
    work_dir = str(tmp_path / 'dist')
    out = _run(
        [
            'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
            work_dir, '--cfg-options', 'train_cfg.max_epochs=1',
            *_data_root_options(voc_root)
        ],
        env=dict(PYTHON=sys.executable, PORT=str(_free_port())))
    assert 'Distributed training: True' in out
    checkpoint = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(checkpoint)

    out = _run(
        [
            'bash', 'tools/dist_test.sh', CONFIG, checkpoint, '2',
            '--work-dir',
            str(tmp_path / 'dist_test'), '--cfg-options',
            *_data_root_options(voc_root)
        ],
        env=dict(PYTHON=sys.executable, PORT=str(_free_port())))
    assert 'Distributed training: True' in out
    assert 'Epoch(test)' in out and 'mIoU' in out
