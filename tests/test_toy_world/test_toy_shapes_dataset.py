import numpy as np
import pytest
from mmseg.registry import DATASETS
from mmseg.utils import register_all_modules

from mmseg_zsl.datasets.toy_shapes_dataset import ToyShapesDataset
from mmseg_zsl.toy_world import CLASSES, read_label_png

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


@pytest.fixture(scope='module', autouse=True)
def _mmseg_scope():
    register_all_modules(init_default_scope=True)


def _build(world, **kwargs):
    return DATASETS.build(
        dict(
            type='ToyShapesDataset',
            data_root=str(world),
            pipeline=PIPELINE,
            **kwargs))


def test_metainfo():
    assert ToyShapesDataset.METAINFO['classes'] == CLASSES
    assert len(ToyShapesDataset.METAINFO['palette']) == len(CLASSES)


def test_unimatch_split_file(small_world):
    dataset = _build(small_world, ann_file='splits/8/labeled.txt')
    assert isinstance(dataset, ToyShapesDataset)
    assert len(dataset) == 8
    first = (small_world / 'splits' / '8' / 'labeled.txt').read_text().split()
    item = dataset[0]
    assert item['img_path'] == str(small_world / first[0])
    assert item['img'].shape == (96, 96, 3)
    assert item['reduce_zero_label'] is False
    expected = read_label_png(str(small_world / first[1]))
    assert np.array_equal(item['gt_seg_map'], expected)


def test_mmseg_ann_file_of_ids(small_world, tmp_path):
    ann = tmp_path / 'ids.txt'
    ann.write_text('val_00001\nval_00003\n')
    dataset = _build(small_world, ann_file=str(ann))
    assert len(dataset) == 2
    item = dataset[1]
    assert item['seg_map_path'] == str(small_world / 'masks' /
                                       'val_00003.png')
    expected = read_label_png(str(small_world / 'masks' / 'val_00003.png'))
    assert np.array_equal(item['gt_seg_map'], expected)


def test_no_ann_file_scans_every_image(small_world):
    assert len(_build(small_world)) == 24 + 8


def test_malformed_ann_file_raises(small_world, tmp_path):
    ann = tmp_path / 'bad.txt'
    ann.write_text('a b c\n')
    with pytest.raises(ValueError, match='got 3 fields'):
        _build(small_world, ann_file=str(ann))
