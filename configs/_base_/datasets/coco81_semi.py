# Semi-supervised COCO with 81 classes (background + 80 things; unlabeled =
# the rest of train2017), crop 400, 2 labeled + 2 unlabeled images per GPU.
# Split files in UniMatch's format live in
# <data_root>/splits/<split>/{labeled,unlabeled}.txt (split = 1_512 (232
# labeled), 1_256 (463), 1_128 (925), 1_64 (1849)); leaf configs override
# labeled/unlabeled ann_file. Label PNGs come from tools/coco_to_masks.py in
# <data_root>/masks. An epoch is one pass over the unlabeled set
# (SemiSegSampler). See docs/data_preparation.md.
dataset_type = 'COCO81Dataset'
data_root = 'data/coco'
crop_size = (400, 400)
# The dataloader's batch_size must be num_labeled + num_unlabeled.
num_labeled_per_gpu = 2
num_unlabeled_per_gpu = 2
branch_field = ['sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2']

# Weak geometry (labeled and unlabeled): long side x U[0.5, 2.0], pad to the
# crop (image 0, labels 255), random crop, horizontal flip.
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
# Strong photometric view, drawn independently for each of the two views.
strong_pipeline = [
    dict(
        type='RandomColorJitter',
        brightness=0.5,
        contrast=0.5,
        saturation=0.5,
        hue=0.25,
        prob=0.8),
    dict(type='RandomToGray', prob=0.2),
    dict(type='RandomGaussianBlur', sigma_range=(0.1, 2.0), prob=0.5),
    dict(
        type='GenerateCutMixBox',
        prob=0.5,
        area_range=(0.02, 0.4),
        aspect_range=(0.3, 1 / 0.3)),
    dict(type='PackSemiSegInputs'),
]
# The zero-shot pseudo label goes through the same geometry as the image;
# padding is tracked in padding_mask. The three views share the geometry.
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ZeroShotPseudoLabel'),  # path from the dataset's dir
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
# Evaluation: whole image at its original resolution, single scale.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=num_labeled_per_gpu + num_unlabeled_per_gpu,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(
        type='SemiSegSampler',
        num_labeled=num_labeled_per_gpu,
        num_unlabeled=num_unlabeled_per_gpu),
    dataset=dict(
        type='SemiSegDataset',
        labeled=dict(
            type=dataset_type,
            data_root=data_root,
            ann_file='splits/1_512/labeled.txt',
            pipeline=labeled_pipeline),
        unlabeled=dict(
            type=dataset_type,
            data_root=data_root,
            ann_file='splits/1_512/unlabeled.txt',
            # <stem>.png written by tools/annotate.py (<out_dir>/labels);
            # None = dummy labels (unimatch / supervised baselines).
            pseudo_label_dir='zero_shot/labels',
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        # Every val2017 image; labels from tools/coco_to_masks.py.
        data_prefix=dict(img_path='val2017', seg_map_path='masks'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
