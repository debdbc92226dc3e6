# Backbone comparison: DeepLabV3+ ResNet-101 (UniMatch's model, OS 16),
# PASCAL VOC 2012, 183 labeled images (mode 'zsl').
_base_ = [
    '../_base_/models/unimatch_zs_deeplabv3plus_r101.py',
    '../_base_/datasets/pascal_voc12_semi.py',
    '../_base_/schedules/semi_pascal_80e.py',
    '../_base_/default_runtime.py',
]
crop_size = (321, 321)
model = dict(
    data_preprocessor=dict(data_preprocessor=dict(size=crop_size)),
    segmentor=dict(
        data_preprocessor=dict(size=crop_size),
        decode_head=dict(num_classes=21),
        auxiliary_head=dict(num_classes=21)))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/183/labeled.txt'),
        unlabeled=dict(ann_file='splits/183/unlabeled.txt')))
