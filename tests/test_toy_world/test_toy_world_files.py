import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from mmseg_zsl.toy_world import (CLASSES, SHAPE_NAMES, generate_toy_world,
                                 read_label_png)


def _digests(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


def _split(path):
    return [line.split() for line in path.read_text().splitlines()]


def test_same_seed_gives_byte_identical_files(small_world, tmp_path,
                                              world_args):
    generate_toy_world(str(tmp_path / 'again'), **world_args)
    assert _digests(small_world) == _digests(tmp_path / 'again')


def test_other_seed_gives_other_images(small_world, tmp_path, world_args):
    generate_toy_world(str(tmp_path / 'w'), **dict(world_args, seed=4))
    a = (small_world / 'images' / 'train_00000.png').read_bytes()
    b = (tmp_path / 'w' / 'images' / 'train_00000.png').read_bytes()
    assert a != b


def test_image_does_not_depend_on_world_size(small_world, tmp_path,
                                             world_args):
    generate_toy_world(
        str(tmp_path / 'w'),
        **dict(world_args, num_train=6, labeled_counts=(2, ),
               examples_per_class=0))
    for name in ('images/train_00005.png', 'masks/train_00005.png',
                 'images/val_00003.png'):
        assert (small_world / name).read_bytes() == (tmp_path / 'w' /
                                                     name).read_bytes()


def test_layout_and_file_formats(small_world, world_args):
    for split, count in (('train', 24), ('val', 8)):
        for i in range(count):
            stem = f'{split}_{i:05d}'
            with Image.open(small_world / 'images' / f'{stem}.png') as im:
                assert (im.mode, im.size) == ('RGB', (96, 96))
            with Image.open(small_world / 'masks' / f'{stem}.png') as im:
                assert im.mode == 'P'  # palette PNG of class indices
            mask = read_label_png(str(small_world / 'masks' / f'{stem}.png'))
            inst = read_label_png(
                str(small_world / 'instances' / f'{stem}.png'))
            info = json.loads(
                (small_world / 'instances' / f'{stem}.json').read_text())
            assert info['id'] == stem and info['split'] == split
            assert mask.max() < len(CLASSES)
            for obj in info['objects']:
                assert np.all(mask[inst == obj['id']] == obj['class_id'])
    meta = json.loads((small_world / 'meta.json').read_text())
    assert meta['classes'] == list(CLASSES)
    assert meta['seed'] == world_args['seed']


def test_split_files(small_world, world_args):
    splits = small_world / 'splits'
    train = _split(splits / 'train.txt')
    val = _split(splits / 'val.txt')
    assert [i for i, _ in train] == [
        f'images/train_{i:05d}.png' for i in range(24)
    ]
    assert [m for _, m in val] == [f'masks/val_{i:05d}.png' for i in range(8)]
    for n in world_args['labeled_counts']:
        labeled = _split(splits / str(n) / 'labeled.txt')
        unlabeled = _split(splits / str(n) / 'unlabeled.txt')
        assert len(labeled) == n
        names = [tuple(x) for x in labeled + unlabeled]
        assert sorted(names) == sorted(tuple(x) for x in train)
        assert not {tuple(x) for x in labeled} & {tuple(x) for x in unlabeled}
        for img, mask in labeled + unlabeled:
            assert (small_world / img).is_file()
            assert (small_world / mask).is_file()
            assert img[len('images/'):] == mask[len('masks/'):]


def test_rerun_is_a_no_op_and_a_different_world_needs_overwrite(
        small_world, tmp_path, world_args):
    root = str(tmp_path / 'w')
    small = dict(world_args, num_train=4, num_val=1, labeled_counts=(2, ))
    assert not generate_toy_world(root, **small)['skipped']
    assert generate_toy_world(root, **small)['skipped']
    with pytest.raises(ValueError, match='overwrite'):
        generate_toy_world(root, **dict(small, seed=9))
    summary = generate_toy_world(root, overwrite=True, **dict(small, seed=9))
    assert not summary['skipped']


def test_non_empty_foreign_directory_is_refused(tmp_path, world_args):
    (tmp_path / 'keep.txt').write_text('mine')
    with pytest.raises(ValueError, match='not empty'):
        generate_toy_world(str(tmp_path), **world_args)


def test_interrupted_world_is_written_over(tmp_path, world_args):
    root = tmp_path / 'w'
    (root / 'images').mkdir(parents=True)
    (root / 'images' / 'train_00000.png').write_bytes(b'half')
    small = dict(world_args, num_train=4, num_val=1, labeled_counts=(2, ))
    assert not generate_toy_world(str(root), **small)['skipped']
    assert (root / 'meta.json').is_file()
    with Image.open(root / 'images' / 'train_00000.png') as im:
        assert im.size == (96, 96)


def test_missing_file_makes_the_world_regenerate(tmp_path, world_args):
    root = tmp_path / 'w'
    small = dict(world_args, num_train=4, num_val=1, labeled_counts=(2, ))
    generate_toy_world(str(root), **small)
    (root / 'masks' / 'train_00002.png').unlink()
    assert not generate_toy_world(str(root), **small)['skipped']
    assert (root / 'masks' / 'train_00002.png').is_file()


def test_labeled_count_larger_than_train_raises(tmp_path, world_args):
    with pytest.raises(ValueError, match='labeled count'):
        generate_toy_world(
            str(tmp_path / 'w'), **dict(world_args, labeled_counts=(25, )))


def test_class_examples(small_world, world_args):
    for name in SHAPE_NAMES:
        files = sorted((small_world / 'examples' / name).glob('*.png'))
        assert len(files) == world_args['examples_per_class']
        for path in files:
            stem, obj_id = path.stem.rsplit('_', 1)
            info = json.loads(
                (small_world / 'instances' / f'{stem}.json').read_text())
            obj = next(o for o in info['objects'] if o['id'] == int(obj_id))
            assert obj['class_name'] == name
            assert obj['area'] >= 0.95 * obj['full_area']
            x0, y0, x1, y1 = obj['bbox']
            assert x0 > 0 and y0 > 0 and x1 < 96 and y1 < 96
            with Image.open(path) as im:
                crop = np.array(im)
            assert crop.shape == (64, 64, 3)
            # the margin around the object is the plain grey background
            assert np.all(crop[0] == 128) and np.all(crop[:, 0] == 128)
