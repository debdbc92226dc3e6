import os.path as osp
import subprocess
import sys

import pytest

from mmseg_zsl.datasets import COCO81Dataset, PascalVOCSplitDataset
from mmseg_zsl.datasets.split_files import (SplitEntry, draw_split,
                                            parse_split_lines, read_ids,
                                            read_split_file)
from .fake_data import LABELED, UNLABELED

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_parse_both_formats_and_blank_lines():
    lines = [
        'JPEGImages/2007_000033.jpg SegmentationClass/2007_000033.png\n',
        '\n',
        '2007_000042',  # mmseg ann-file line, no trailing newline
    ]
    entries = parse_split_lines(lines)
    assert entries == [
        SplitEntry('JPEGImages/2007_000033.jpg',
                   'SegmentationClass/2007_000033.png'),
        SplitEntry('2007_000042', None)
    ]
    assert [e.stem for e in entries] == ['2007_000033', '2007_000042']


def test_parse_rejects_three_columns_with_line_number():
    with pytest.raises(ValueError, match=r'f.txt:2: .*3 fields'):
        parse_split_lines(['a', 'a b c'], source='f.txt')


def test_missing_split_file_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match='make_splits.py'):
        read_split_file(str(tmp_path / 'nope.txt'))


def test_dataset_resolves_unimatch_lines_against_data_root(voc_root):
    ds = PascalVOCSplitDataset(
        data_root=voc_root,
        ann_file='splits/2/unlabeled.txt',
        pseudo_label_dir='zero_shot/labels')
    assert len(ds) == len(UNLABELED) == 4
    info = ds.get_data_info(1)
    stem = UNLABELED[1]
    assert info['img_path'] == osp.join(voc_root, 'JPEGImages',
                                        stem + '.jpg')
    assert info['seg_map_path'] == osp.join(voc_root, 'SegmentationClass',
                                            stem + '.png')
    assert info['pseudo_label_path'] == osp.join(voc_root, 'zero_shot',
                                                 'labels', stem + '.png')
    assert ds.metainfo['classes'][0] == 'background'
    assert len(ds.metainfo['classes']) == 21


def test_dataset_reads_mmseg_basename_ann_file(voc_root):
    ds = PascalVOCSplitDataset(
        data_root=voc_root,
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/val.txt')
    assert len(ds) == 3
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join(voc_root, 'JPEGImages',
                                        LABELED[0] + '.jpg')
    assert info['seg_map_path'] == osp.join(voc_root, 'SegmentationClass',
                                            LABELED[0] + '.png')
    assert info['pseudo_label_path'] is None  # no pseudo_label_dir


def test_coco81_metainfo_and_directory_scan(coco_root):
    ds = COCO81Dataset(
        data_root=coco_root,
        data_prefix=dict(img_path='val2017', seg_map_path='masks'))
    classes = ds.metainfo['classes']
    assert len(classes) == 81 and len(ds.metainfo['palette']) == 81
    assert classes[0] == 'background' and classes[1] == 'person'
    assert classes[80] == 'toothbrush'
    assert len(ds) == 3  # every val2017 image
    assert ds.get_data_info(0)['seg_map_path'].startswith(
        osp.join(coco_root, 'masks', 'v'))


def test_draw_split_is_deterministic_and_order_independent():
    train = [f'id{i:03d}' for i in range(50)]
    pool = train[:20]
    labeled, unlabeled = draw_split(train, 5, seed=3, labeled_pool=pool)
    again = draw_split(train[::-1], 5, seed=3, labeled_pool=pool[::-1])
    assert (labeled, unlabeled) == again
    assert len(labeled) == 5 and set(labeled) <= set(pool)
    assert sorted(labeled + unlabeled) == train
    assert not set(labeled) & set(unlabeled)
    other = draw_split(train, 5, seed=4, labeled_pool=pool)[0]
    assert other != labeled


def test_draw_split_rejects_bad_requests():
    with pytest.raises(ValueError, match=r'\[1, 3\]'):
        draw_split(['a', 'b', 'c'], 4, seed=0)
    with pytest.raises(ValueError, match='subset'):
        draw_split(['a', 'b'], 1, seed=0, labeled_pool=['z'])


@pytest.mark.e2e
def test_make_splits_cli_writes_unimatch_files(tmp_path):
    train = tmp_path / 'train_aug.txt'
    train.write_text('\n'.join(f'2008_{i:06d}' for i in range(30)))
    pool = tmp_path / 'train.txt'
    pool.write_text('\n'.join(f'2008_{i:06d}' for i in range(10)))
    out = tmp_path / 'splits'
    cmd = [
        sys.executable,
        osp.join(REPO, 'tools', 'make_splits.py'), '--train-list',
        str(train), '--labeled-pool',
        str(pool), '--num-labeled', '3', '4', '--seed', '7', '--out-dir',
        str(out)
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    lines = (out / '3' / 'labeled.txt').read_text().splitlines()
    assert len(lines) == 3
    stem = lines[0].split()[0][len('JPEGImages/'):-len('.jpg')]
    assert lines[0] == f'JPEGImages/{stem}.jpg SegmentationClass/{stem}.png'
    assert len(read_ids(str(out / '4' / 'labeled.txt'))) == 4
    assert len(read_ids(str(out / '4' / 'unlabeled.txt'))) == 26
    # the same files as the (seeded, order-independent) library draw
    expected = draw_split(
        read_ids(str(train)), 3, seed=7, labeled_pool=read_ids(str(pool)))
    assert read_ids(str(out / '3' / 'labeled.txt')) == expected[0]
    assert read_ids(str(out / '3' / 'unlabeled.txt')) == expected[1]
