# The synthetic toy world (tools/make_toy_world.py): 96x96 images, background +
# 5 shape classes. Same semi-supervised pipeline as PASCAL (docs/method.md
# §2), at crop 64; 4 labeled + 4 unlabeled images per batch. Leaves or the
# demo set data_root, the split files and pseudo_label_dir.
_base_ = ['./pascal_voc12_semi.py']
dataset_type = 'ToyShapesDataset'
data_root = 'data/toy_world'
crop_size = (64, 64)
num_labeled_per_gpu = 4
num_unlabeled_per_gpu = 4
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
    batch_size=num_labeled_per_gpu + num_unlabeled_per_gpu,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(
        num_labeled=num_labeled_per_gpu, num_unlabeled=num_unlabeled_per_gpu),
    dataset=dict(
        labeled=dict(
            type=dataset_type,
            data_root=data_root,
            ann_file='splits/8/labeled.txt',
            pipeline=labeled_pipeline),
        unlabeled=dict(
            type=dataset_type,
            data_root=data_root,
            ann_file='splits/8/unlabeled.txt',
            pseudo_label_dir='pseudo_labels',
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/val.txt',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs'),
        ]))
test_dataloader = val_dataloader
