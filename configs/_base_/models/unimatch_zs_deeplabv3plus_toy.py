# A small DeepLabV3+ (ResNet-18 layout with 16 base channels, output stride 8,
# no auxiliary head) inside UniMatchZSSegmentor, for the toy world on a CPU.
# The backbone starts from the toy world's "ImageNet" weights
# (tools/pretrain_toy_backbone.py; configs/toy/README.md), as every config of
# configs/zsl/ starts from ImageNet; the decode head starts random. Set
# model.segmentor.backbone.init_cfg=None to train from scratch.
_base_ = ['./unimatch_zs_deeplabv3plus_r101.py']
model = dict(
    segmentor=dict(
        pretrained=None,
        backbone=dict(
            depth=18,
            stem_channels=16,
            base_channels=16,
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            init_cfg=dict(
                type='Pretrained',
                # next to configs/toy/, wherever the command runs from
                checkpoint='{{ fileDirname }}/../../toy/pretrained/'
                'toy_resnet18_source.pth',
                prefix='backbone.')),
        decode_head=dict(
            in_channels=128,
            channels=64,
            dilations=(1, 3, 6, 9),
            c1_in_channels=16,
            c1_channels=16,
            num_classes=6),
        auxiliary_head=None))
