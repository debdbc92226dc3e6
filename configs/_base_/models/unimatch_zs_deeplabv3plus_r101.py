# DeepLabV3+ ResNet-101 (deep stem, ResNetV1c) inside UniMatchZSSegmentor,
# mode 'zsl', with UniMatch's output stride 16 (layer4 dilated, the first
# block contracted to dilation 1), ASPP rates 6/12/18 and 256 head channels.
# mmseg's FCN auxiliary head is kept (trained on labeled images only); set
# model.segmentor.auxiliary_head=None for UniMatch's exact head.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='UniMatchZSSegmentor',
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor=data_preprocessor),
    segmentor=dict(
        type='EncoderDecoder',
        data_preprocessor=data_preprocessor,
        # ImageNet ResNet-101 V1c; replace with a local path offline.
        pretrained='open-mmlab://resnet101_v1c',
        backbone=dict(
            type='ResNetV1c',
            depth=101,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 1, 2),
            strides=(1, 2, 2, 1),
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            contract_dilation=True),
        decode_head=dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=2048,
            in_index=3,
            channels=256,
            dilations=(1, 6, 12, 18),
            c1_in_channels=256,
            c1_channels=48,
            dropout_ratio=0.1,
            num_classes=21,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                loss_weight=1.0,
                avg_non_ignore=True)),
        auxiliary_head=dict(
            type='FCNHead',
            in_channels=1024,
            in_index=2,
            channels=256,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            num_classes=21,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                loss_weight=0.4,
                avg_non_ignore=True)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole')),
    semi_train_cfg=dict(mode='zsl'))
