# A small DeepLabV3+ (ResNet-18 layout with 16 base channels, output stride 8,
# trained from scratch, no auxiliary head) inside UniMatchZSSegmentor, for the
# toy world on a CPU.
_base_ = ['./unimatch_zs_deeplabv3plus_r101.py']
model = dict(
    segmentor=dict(
        pretrained=None,
        backbone=dict(
            depth=18,
            stem_channels=16,
            base_channels=16,
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1)),
        decode_head=dict(
            in_channels=128,
            channels=64,
            dilations=(1, 3, 6, 9),
            c1_in_channels=16,
            c1_channels=16,
            num_classes=6),
        auxiliary_head=None))
