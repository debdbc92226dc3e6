"""U-SAM training on a handful of example images (tiny untrained SAM)."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation.usam import list_examples, load_classifier
from mmseg_zsl.annotation.usam import trainer as trainer_module
from mmseg_zsl.apis.usam_training import EMBEDDING_CACHE_DIR, train_usam

CLASSES = ('disc', 'block', 'wedge')
#: 3 x 3 grid prompts keep the tiny SAM quick; 2 epochs per stage.
EMBEDDER = dict(points_per_side=3)
TRAIN = dict(teacher_epochs=2, student_epochs=2, batch_size=5, seed=3,
             hidden_channels=(32, 16, 8))


def draw(kind, seed):
    rng = np.random.default_rng(seed)
    image = np.full((32, 32, 3), rng.integers(60, 200, 3), np.uint8)
    colour = tuple(int(c) for c in rng.integers(0, 255, 3))
    if kind == 'disc':
        cv2.circle(image, (16, 16), 9, colour, -1)
    elif kind == 'block':
        cv2.rectangle(image, (7, 7), (24, 24), colour, -1)
    else:
        cv2.fillPoly(image, [np.array([[16, 5], [27, 26], [5, 26]])], colour)
    return image


@pytest.fixture(scope='module')
def example_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('examples')
    for index, kind in enumerate(CLASSES):
        os.makedirs(root / kind)
        for k in range(3):
            cv2.imwrite(str(root / kind / f'{k}.png'), draw(kind, 10 * index
                                                            + k))
    (root / 'block' / 'notes.txt').write_text('not an image')
    return str(root)


def run(example_dir, work_dir, **train):
    return train_usam(
        example_dir, str(work_dir), random_init='tiny', embedder=EMBEDDER,
        train=dict(TRAIN, **train), device='cpu', progress=False)


@pytest.fixture(scope='module')
def trained(example_dir, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    return work_dir, run(example_dir, work_dir)


def state(path):
    return torch.load(path, weights_only=False)['state_dict']


def assert_same_weights(path_a, path_b):
    a, b = state(path_a), state(path_b)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_examples_listed_per_class_folder(example_dir):
    examples = list_examples(example_dir)
    assert examples.class_names == ['block', 'disc', 'wedge']  # sorted
    assert examples.counts() == {'block': 3, 'disc': 3, 'wedge': 3}
    assert examples.files[0] == 'block/0.png'
    chosen = list_examples(example_dir, ['wedge', 'disc'])
    assert chosen.labels == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="without images: \\['cat'\\]"):
        list_examples(example_dir, ['disc', 'cat'])


def test_training_embeds_once_and_writes_the_classifiers(trained):
    work_dir, summary = trained
    assert summary['embedded'] == 9 and summary['cached'] == 0
    assert summary['num_trained'] == 9 and summary['failed'] == []
    cached = sorted(os.listdir(work_dir / EMBEDDING_CACHE_DIR / 'disc'))
    assert cached == ['0.png.npy', '1.png.npy', '2.png.npy']
    tokens = np.load(work_dir / EMBEDDING_CACHE_DIR / 'disc' / '0.png.npy')
    assert tokens.shape == (9, 128) and tokens.dtype == np.float16
    model, meta = load_classifier(str(work_dir / 'student.pth'))
    assert meta['class_names'] == ['block', 'disc', 'wedge']
    assert meta['epoch'] == 2 and meta['stage'] == 'student'
    assert meta['meta']['sam'] == dict(model_type='tiny', random_init='tiny')
    assert model(torch.zeros(5, 9, 128)).shape == (5, 9, 3)
    assert len(summary['final']) == 2
    assert set(summary['final']['student']) == {
        'loss', 'loss_mil', 'loss_unc', 'bad_ratio'}


def test_finished_run_is_not_redone(example_dir, trained):
    work_dir, _ = trained
    before = state(work_dir / 'student.pth')
    summary = run(example_dir, work_dir)
    assert summary['embedded'] == 0 and summary['cached'] == 9
    after = state(work_dir / 'student.pth')
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize('stop_after_saves', [1, 4])
def test_resumed_run_ends_with_the_same_weights(example_dir, trained,
                                                tmp_path, monkeypatch,
                                                stop_after_saves):
    """Killed after a teacher (1) or a student (4) checkpoint, resumed."""
    reference, _ = trained
    work_dir = tmp_path / 'resumed'
    # the embedding cache is reusable as is (same SAM and grid)
    shutil.copytree(reference / EMBEDDING_CACHE_DIR,
                    work_dir / EMBEDDING_CACHE_DIR)
    save = trainer_module.save_checkpoint
    saved = []

    def save_then_die(path, payload):
        save(path, payload)
        saved.append(osp.basename(path))
        if len(saved) == stop_after_saves:
            raise KeyboardInterrupt

    monkeypatch.setattr(trainer_module, 'save_checkpoint', save_then_die)
    with pytest.raises(KeyboardInterrupt):
        run(example_dir, work_dir)
    monkeypatch.setattr(trainer_module, 'save_checkpoint', save)
    assert not osp.exists(work_dir / 'student.pth')
    summary = run(example_dir, work_dir)
    assert summary['embedded'] == 0
    assert_same_weights(work_dir / 'teacher.pth', reference / 'teacher.pth')
    assert_same_weights(work_dir / 'student.pth', reference / 'student.pth')


def test_other_options_are_not_resumed_silently(example_dir, trained,
                                                tmp_path):
    reference, _ = trained
    work_dir = tmp_path / 'changed'
    shutil.copytree(reference, work_dir)
    with pytest.raises(ValueError, match='other options'):
        run(example_dir, work_dir, lr=0.01)
    # --overwrite starts over, embeddings included
    summary = train_usam(
        example_dir, str(work_dir), random_init='tiny', embedder=EMBEDDER,
        train=dict(TRAIN, lr=0.01), overwrite=True, device='cpu',
        progress=False)
    assert summary['train_config']['lr'] == 0.01
    assert summary['embedded'] == 9
