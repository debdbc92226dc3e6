# SegFormer-B4, COCO (81 classes), 1/512 split = 232 labeled images, crop
# 400, lr 0.004, 30 epochs (mode 'zsl').
_base_ = [
    '../_base_/models/unimatch_zs_segformer_mit-b4.py',
    '../_base_/datasets/coco81_semi.py',
    '../_base_/schedules/semi_coco_30e.py',
    '../_base_/default_runtime.py',
]
crop_size = (400, 400)
model = dict(
    data_preprocessor=dict(data_preprocessor=dict(size=crop_size)),
    segmentor=dict(
        data_preprocessor=dict(size=crop_size),
        decode_head=dict(num_classes=81)))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/1_512/labeled.txt'),
        unlabeled=dict(ann_file='splits/1_512/unlabeled.txt')))
