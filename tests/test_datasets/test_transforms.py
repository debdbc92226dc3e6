"""The unlabeled/labeled pipelines: geometry, padding, views, pseudo labels."""
import copy
import inspect
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

from mmseg_zsl.datasets import transforms as T
from .fake_data import IMG_H, IMG_W, UNLABELED, sample_info

BRANCHES = ['sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2']


def geometry(crop, ratio_range=(0.5, 2.0)):
    return [
        dict(type='RandomRescaleLongSide', ratio_range=ratio_range),
        dict(type='PadToCropSize', crop_size=crop),
        dict(type='RandomCrop', crop_size=crop),
        dict(type='RandomFlip', prob=0.5),
    ]


def strong(jitter=0.8, gray=0.2, blur=0.5, cutmix=0.5):
    return [
        dict(type='RandomColorJitter', prob=jitter),
        dict(type='RandomToGray', prob=gray),
        dict(type='RandomGaussianBlur', prob=blur),
        dict(type='GenerateCutMixBox', prob=cutmix),
        dict(type='PackSemiSegInputs'),
    ]


def unlabeled_pipeline(crop, strong_view, ratio_range=(0.5, 2.0)):
    return Compose([
        dict(type='LoadImageFromFile'),
        dict(type='ZeroShotPseudoLabel'),
        *geometry(crop, ratio_range),
        dict(
            type='MultiBranch',
            branch_field=BRANCHES,
            unsup_weak=dict(type='PackSemiSegInputs'),
            unsup_strong1=strong_view,
            unsup_strong2=strong_view),
    ])


def run(pipeline, info, seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    return pipeline(copy.deepcopy(info))


def test_views_share_geometry_exactly_without_photometric_aug(voc_root):
    pipeline = unlabeled_pipeline(
        32, strong(jitter=0, gray=0, blur=0, cutmix=0))
    info = sample_info(voc_root, UNLABELED[0])
    flips = set()
    for seed in range(8):
        out = run(pipeline, info, seed)
        weak = out['inputs']['unsup_weak']
        samples = out['data_samples']
        flips.add(samples['unsup_weak'].flip)
        for view in ('unsup_strong1', 'unsup_strong2'):
            assert torch.equal(out['inputs'][view], weak)
            for field in ('gt_sem_seg', 'padding_mask'):
                assert torch.equal(samples[view].get(field).data,
                                   samples['unsup_weak'].get(field).data)
    assert flips == {True, False}  # both cases were exercised


def test_grayscale_view_is_the_luma_of_the_weak_view(voc_root):
    """A real photometric op keeps every pixel where it was."""
    pipeline = unlabeled_pipeline(
        32, strong(jitter=0, gray=1, blur=0, cutmix=0))
    out = run(pipeline, sample_info(voc_root, UNLABELED[1]), seed=1)
    b, g, r = out['inputs']['unsup_weak'].double()  # BGR
    luma = 0.299 * r + 0.587 * g + 0.114 * b  # ITU-R 601-2, as PIL
    gray = out['inputs']['unsup_strong1'].double()
    assert torch.allclose(gray, luma.expand(3, -1, -1), atol=1.0)


def test_strong_views_draw_their_own_photometric_aug(voc_root):
    pipeline = unlabeled_pipeline(32, strong(jitter=1, cutmix=0.5))
    info = sample_info(voc_root, UNLABELED[2])
    boxes_differ = 0
    for seed in range(6):
        out = run(pipeline, info, seed)
        s1, s2 = out['inputs']['unsup_strong1'], out['inputs']['unsup_strong2']
        assert not torch.equal(s1, s2)
        assert not torch.equal(s1, out['inputs']['unsup_weak'])
        boxes = [
            out['data_samples'][v].cutmix_box.data
            for v in ('unsup_strong1', 'unsup_strong2')
        ]
        boxes_differ += not torch.equal(*boxes)
        assert 'cutmix_box' not in out['data_samples']['unsup_weak']
    assert boxes_differ >= 3


def test_padding_is_255_in_labels_and_1_in_padding_mask(voc_root):
    # Scale 1 and crop 64 > 40x56: the crop is the whole padded image, so
    # the padded region is known: rows >= 40 and the 8 columns past 56
    # (on the left after a flip).
    pipeline = unlabeled_pipeline(64, strong(), ratio_range=(1.0, 1.0))
    stem = UNLABELED[0]
    pseudo = cv2.imread(
        osp.join(voc_root, 'zero_shot', 'labels', stem + '.png'),
        cv2.IMREAD_UNCHANGED)
    assert (pseudo != 255).all()  # so padding is the only 255
    flips = set()
    for seed in range(6):
        out = run(pipeline, sample_info(voc_root, stem), seed)
        sample = out['data_samples']['unsup_weak']
        flipped = sample.flip
        flips.add(flipped)
        expected = np.ones((64, 64), dtype=np.uint8)
        expected[:IMG_H, :IMG_W] = 0
        label = np.full((64, 64), 255, dtype=np.int64)
        label[:IMG_H, :IMG_W] = pseudo
        if flipped:
            expected, label = expected[:, ::-1], label[:, ::-1]
        mask = sample.padding_mask.data
        assert mask.dtype == torch.uint8 and mask.shape == (1, 64, 64)
        assert np.array_equal(mask[0].numpy(), expected)
        assert np.array_equal(sample.gt_sem_seg.data[0].numpy(), label)
        weak = out['inputs']['unsup_weak']
        assert (weak[:, torch.from_numpy(expected.astype(bool))] == 0).all()
    assert flips == {True, False}


def test_pseudo_label_follows_resize_crop_flip_like_gt(voc_root):
    """The same PNG loaded as GT and as pseudo label stays identical."""
    pipeline = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(
            type='ZeroShotPseudoLabel',
            pseudo_label_dir=osp.join(voc_root, 'SegmentationClass'),
            seg_key='gt_zs_seg_map'),
        *geometry(32),
    ])
    info = sample_info(voc_root, UNLABELED[3], pseudo=False)
    flips, scales = set(), set()
    for seed in range(12):
        out = run(pipeline, info, seed)
        flips.add(out['flip'])
        scales.add(out['scale'])
        assert out['gt_seg_map'].shape == (32, 32)
        assert np.array_equal(out['gt_zs_seg_map'], out['gt_seg_map'])
        assert (out['gt_seg_map'][out['padding_mask'] == 1] == 255).all()
    assert flips == {True, False} and len(scales) > 6


def test_pseudo_label_missing_file_names_file_dir_and_tool(voc_root,
                                                           tmp_path):
    t = T.ZeroShotPseudoLabel(pseudo_label_dir=str(tmp_path))
    results = Compose([dict(type='LoadImageFromFile')
                       ])(sample_info(voc_root, UNLABELED[0]))
    with pytest.raises(FileNotFoundError) as err:
        t(results)
    message = str(err.value)
    assert UNLABELED[0] + '.png' in message and str(tmp_path) in message
    assert 'tools/annotate.py' in message


def test_pseudo_label_size_mismatch_is_a_value_error(voc_root, tmp_path):
    stem = UNLABELED[0]
    cv2.imwrite(
        str(tmp_path / (stem + '.png')), np.zeros((20, 56), np.uint8))
    results = Compose([dict(type='LoadImageFromFile')
                       ])(sample_info(voc_root, stem))
    with pytest.raises(ValueError, match=r'20x56 .* 40x56'):
        T.ZeroShotPseudoLabel(pseudo_label_dir=str(tmp_path))(results)


def test_pseudo_label_values_outside_the_classes_name_the_file(
        voc_root, tmp_path):
    stem = UNLABELED[0]
    label = np.zeros((IMG_H, IMG_W), np.uint8)
    label[0, :3] = (3, 12, 255)  # 12 is no class of 4; 255 is ignore
    cv2.imwrite(str(tmp_path / f'{stem}.png'), label)
    results = Compose([dict(type='LoadImageFromFile')
                       ])(sample_info(voc_root, stem))
    results['pseudo_label_classes'] = ('background', 'cat', 'dog', 'car')
    transform = T.ZeroShotPseudoLabel(pseudo_label_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r'values \[12\].*background, cat'):
        transform(copy.deepcopy(results))
    label[0, 1] = 2
    cv2.imwrite(str(tmp_path / f'{stem}.png'), label)
    assert transform(results)['gt_seg_map'][0, :3].tolist() == [3, 2, 255]


def test_pseudo_label_dummy_and_missing_source(voc_root):
    results = Compose([dict(type='LoadImageFromFile')
                       ])(sample_info(voc_root, UNLABELED[0], pseudo=False))
    out = T.ZeroShotPseudoLabel()(copy.deepcopy(results))
    assert out['gt_seg_map'].shape == (IMG_H, IMG_W)
    assert (out['gt_seg_map'] == 0).all() and out['pseudo_label_path'] is None
    assert out['seg_fields'] == ['gt_seg_map']
    del results['pseudo_label_path']
    with pytest.raises(ValueError, match='pseudo_label_dir'):
        T.ZeroShotPseudoLabel()(results)


def test_rescale_long_side_range_and_aspect():
    t = T.RandomRescaleLongSide(ratio_range=(0.5, 2.0))
    img = np.zeros((40, 56, 3), np.uint8)
    np.random.seed(0)
    longs = []
    for _ in range(200):
        out = t(dict(img=img.copy(), seg_fields=[]))
        h, w = out['img'].shape[:2]
        longs.append(w)
        assert 28 <= w <= 112
        assert h == int(40 * w / 56 + 0.5)  # aspect kept, rounded
    assert min(longs) <= 32 and max(longs) >= 108  # the range is covered


def test_color_jitter_gray_blur_probabilities():
    rng = np.random.RandomState(0)
    img = rng.randint(0, 256, (16, 16, 3)).astype(np.uint8)
    cases = [(T.RandomColorJitter(prob=0.8), 0.8),
             (T.RandomToGray(prob=0.2), 0.2),
             (T.RandomGaussianBlur(prob=0.5), 0.5)]
    np.random.seed(0)
    for t, p in cases:
        applied = np.mean([
            not np.array_equal(t(dict(img=img.copy()))['img'], img)
            for _ in range(400)
        ])
        assert abs(applied - p) < 0.07, (t, applied)


def test_brightness_only_jitter_scales_all_pixels_by_one_factor():
    img = np.full((8, 8, 3), 100, np.uint8)
    t = T.RandomColorJitter(
        brightness=0.5, contrast=0, saturation=0, hue=0, prob=1)
    np.random.seed(0)
    values = set()
    for _ in range(50):
        out = t(dict(img=img.copy()))['img']
        assert (out == out[0, 0, 0]).all()  # one factor for every pixel
        values.add(int(out[0, 0, 0]))
    # 100 * U(0.5, 1.5): spread over [50, 150]
    assert min(values) >= 50 and max(values) <= 150 and len(values) > 20


@pytest.mark.parametrize('cls, args', [
    (T.ZeroShotPseudoLabel, dict(pseudo_label_dir='d')),
    (T.RandomRescaleLongSide, {}),
    (T.PadToCropSize, dict(crop_size=8)),
    (T.RandomColorJitter, {}),
    (T.RandomToGray, {}),
    (T.RandomGaussianBlur, {}),
    (T.GenerateCutMixBox, {}),
    (T.PackSemiSegInputs, {}),
])
def test_repr_lists_every_argument(cls, args):
    text = repr(cls(**args))
    params = [p for p in inspect.signature(cls.__init__).parameters
              if p != 'self']
    for name in params:
        assert f'{name}=' in text, (cls.__name__, name)


def test_packer_matches_mmseg_packing_and_adds_uint8_fields():
    from mmseg.datasets.transforms import PackSegInputs
    rng = np.random.RandomState(0)
    results = dict(
        img=rng.randint(0, 256, (6, 7, 3)).astype(np.uint8),
        gt_seg_map=rng.randint(0, 21, (6, 7)).astype(np.uint8),
        padding_mask=np.zeros((6, 7), np.uint8),
        img_path='x.jpg',
        pseudo_label_path=None)
    ours = T.PackSemiSegInputs()(copy.deepcopy(results))
    theirs = PackSegInputs()(copy.deepcopy(results))
    assert torch.equal(ours['inputs'], theirs['inputs'])
    assert ours['inputs'].is_contiguous()
    assert torch.equal(ours['data_samples'].gt_sem_seg.data,
                       theirs['data_samples'].gt_sem_seg.data)
    mask = ours['data_samples'].padding_mask.data
    assert mask.dtype == torch.uint8 and mask.shape == (1, 6, 7)
    assert 'cutmix_box' not in ours['data_samples']
    assert ours['data_samples'].pseudo_label_path is None
