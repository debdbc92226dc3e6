"""Tiny wrapped models and hand-made multi-branch batches for the tests."""
from typing import Dict, List, Tuple

import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

IGNORE = 255
NUM_CLASSES = 3
SIZE = 32
BN = dict(type='BN', requires_grad=True)
PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=IGNORE,
    size=(SIZE, SIZE))


def _ce(weight=1.0):
    return dict(
        type='CrossEntropyLoss', loss_weight=weight, avg_non_ignore=True)


def tiny_segformer(num_classes: int = NUM_CLASSES) -> dict:
    """A MiT with one block of width 8 per stage and a SegFormer head."""
    return dict(
        type='EncoderDecoder',
        data_preprocessor=PREPROCESSOR,
        backbone=dict(
            type='MixVisionTransformer',
            in_channels=3,
            embed_dims=8,
            num_stages=4,
            num_layers=[1, 1, 1, 1],
            num_heads=[1, 1, 1, 1],
            patch_sizes=[7, 3, 3, 3],
            sr_ratios=[8, 4, 2, 1],
            out_indices=(0, 1, 2, 3),
            mlp_ratio=2,
            drop_path_rate=0.0),
        decode_head=dict(
            type='SegformerHead',
            in_channels=[8, 8, 8, 8],
            in_index=[0, 1, 2, 3],
            channels=8,
            dropout_ratio=0.0,
            num_classes=num_classes,
            norm_cfg=BN,
            align_corners=False,
            loss_decode=_ce()),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def tiny_deeplabv3plus(num_classes: int = NUM_CLASSES) -> dict:
    """ResNet-18 of width 8 (OS 16), DeepLabV3+ head and an FCN aux head."""
    return dict(
        type='EncoderDecoder',
        data_preprocessor=PREPROCESSOR,
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            base_channels=8,
            stem_channels=8,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 1, 2),
            strides=(1, 2, 2, 1),
            norm_cfg=BN,
            contract_dilation=True),
        decode_head=dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=64,
            in_index=3,
            channels=8,
            dilations=(1, 2, 3, 4),
            c1_in_channels=8,
            c1_channels=4,
            dropout_ratio=0.0,
            num_classes=num_classes,
            norm_cfg=BN,
            align_corners=False,
            loss_decode=_ce()),
        auxiliary_head=dict(
            type='FCNHead',
            in_channels=32,
            in_index=2,
            channels=8,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.0,
            num_classes=num_classes,
            norm_cfg=BN,
            align_corners=False,
            loss_decode=_ce(0.4)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def wrapped(segmentor: dict, **semi_train_cfg) -> dict:
    """UniMatchZSSegmentor config around ``segmentor`` (a ConfigDict, as a
    Runner passes it: mmseg reads ``test_cfg.mode`` as an attribute)."""
    return ConfigDict(
        type='UniMatchZSSegmentor',
        segmentor=segmentor,
        semi_train_cfg=semi_train_cfg,
        data_preprocessor=dict(
            type='MultiBranchDataPreprocessor',
            data_preprocessor=PREPROCESSOR))


def _sample(**fields) -> SegDataSample:
    sample = SegDataSample(
        metainfo=dict(
            img_shape=(SIZE, SIZE),
            pad_shape=(SIZE, SIZE),
            ori_shape=(SIZE, SIZE)))
    sample.set_data({k: PixelData(data=v[None]) for k, v in fields.items()})
    return sample


def make_batch(num_l: int = 2,
               num_u: int = 2,
               seed: int = 0,
               branches: Tuple[str, ...] = ('sup', 'unsup_weak',
                                            'unsup_strong1', 'unsup_strong2')
               ) -> Tuple[Dict[str, torch.Tensor], Dict[str, List]]:
    """A preprocessed multi-branch batch (float images, data samples).

    Labeled labels and zero-shot labels are random with some ignored pixels;
    unlabeled image 0 has its last 4 rows padded; strong view 1 of image 0
    and strong view 2 of image 1 have a CutMix box.
    """
    g = torch.Generator().manual_seed(seed)

    def labels(n):
        label = torch.randint(0, NUM_CLASSES, (n, SIZE, SIZE), generator=g)
        label[torch.rand(label.shape, generator=g) < 0.2] = IGNORE
        return label

    inputs, samples = {}, {}
    if 'sup' in branches:
        inputs['sup'] = torch.randn(num_l, 3, SIZE, SIZE, generator=g)
        samples['sup'] = [_sample(gt_sem_seg=y) for y in labels(num_l)]
    padding = torch.zeros(num_u, SIZE, SIZE, dtype=torch.uint8)
    padding[0, -4:] = 1
    zs = labels(num_u)
    zs[padding.bool()] = IGNORE
    boxes = dict(
        unsup_strong1=torch.zeros(num_u, SIZE, SIZE, dtype=torch.uint8),
        unsup_strong2=torch.zeros(num_u, SIZE, SIZE, dtype=torch.uint8))
    boxes['unsup_strong1'][0, 4:12, 8:20] = 1
    boxes['unsup_strong2'][num_u - 1, 10:30, 2:9] = 1
    weak = torch.randn(num_u, 3, SIZE, SIZE, generator=g)
    for branch in branches:
        if branch == 'sup':
            continue
        noise = 0 if branch == 'unsup_weak' else 0.3 * torch.randn(
            weak.shape, generator=g)
        inputs[branch] = weak + noise
        extra = {} if branch == 'unsup_weak' else dict(
            cutmix_box=boxes[branch])
        samples[branch] = [
            _sample(
                gt_sem_seg=zs[i],
                padding_mask=padding[i],
                **{k: v[i]
                   for k, v in extra.items()}) for i in range(num_u)
        ]
    return inputs, samples
