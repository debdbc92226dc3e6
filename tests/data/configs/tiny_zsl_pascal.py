# A tiny version of configs/zsl/segformer_b4_pascal_183.py for the tool tests:
# same dataset types, sampler, segmentor, schedule and hooks, with a MiT of
# width 8, crop 32, no workers and 2 epochs. data_root is given by the test
# (--cfg-options ...data_root=<tmp>), whose fake tree has splits/2/.
_base_ = ['../../../configs/zsl/segformer_b4_pascal_183.py']
crop_size = (32, 32)
num_classes = 21
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    data_preprocessor=dict(data_preprocessor=data_preprocessor),
    segmentor=dict(
        _delete_=True,
        type='EncoderDecoder',
        data_preprocessor=data_preprocessor,
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
            mlp_ratio=2),
        decode_head=dict(
            type='SegformerHead',
            in_channels=[8, 8, 8, 8],
            in_index=[0, 1, 2, 3],
            channels=8,
            dropout_ratio=0.1,
            num_classes=num_classes,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', loss_weight=1.0,
                avg_non_ignore=True)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole')))

branch_field = ['sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2']
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomRescaleLongSide', ratio_range=(0.5, 2.0)),
    dict(type='PadToCropSize', crop_size=crop_size, padding_mask_key=None),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        sup=dict(type='PackSemiSegInputs')),
]
strong_pipeline = [
    dict(type='RandomColorJitter', prob=0.8),
    dict(type='RandomToGray', prob=0.2),
    dict(type='RandomGaussianBlur', prob=0.5),
    dict(type='GenerateCutMixBox', prob=0.5),
    dict(type='PackSemiSegInputs'),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ZeroShotPseudoLabel'),
    dict(type='RandomRescaleLongSide', ratio_range=(0.5, 2.0)),
    dict(type='PadToCropSize', crop_size=crop_size),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        unsup_weak=dict(type='PackSemiSegInputs'),
        unsup_strong1=strong_pipeline,
        unsup_strong2=strong_pipeline),
]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    sampler=dict(seed=0),
    dataset=dict(
        labeled=dict(
            ann_file='splits/2/labeled.txt', pipeline=labeled_pipeline),
        unlabeled=dict(
            ann_file='splits/2/unlabeled.txt', pipeline=unlabeled_pipeline)))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = dict(num_workers=0, persistent_workers=False)

param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=2,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=2, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
