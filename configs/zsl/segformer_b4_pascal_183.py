# The paper's main setting: SegFormer-B4, PASCAL VOC 2012, 183 labeled images,
# zero-shot enhanced labels (mode 'zsl'), crop 321, 4 GPUs x (2 + 2) images.
#   tools/dist_train.sh configs/zsl/segformer_b4_pascal_183.py 4
_base_ = [
    '../_base_/models/unimatch_zs_segformer_mit-b4.py',
    '../_base_/datasets/pascal_voc12_semi.py',
    '../_base_/schedules/semi_pascal_80e.py',
    '../_base_/default_runtime.py',
]
crop_size = (321, 321)
model = dict(
    data_preprocessor=dict(data_preprocessor=dict(size=crop_size)),
    segmentor=dict(
        data_preprocessor=dict(size=crop_size),
        decode_head=dict(num_classes=21)))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/183/labeled.txt'),
        unlabeled=dict(ann_file='splits/183/unlabeled.txt')))
