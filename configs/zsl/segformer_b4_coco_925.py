# SegFormer-B4, COCO (81 classes), 1/128 split = 925 labeled images.
_base_ = ['./segformer_b4_coco_232.py']
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/1_128/labeled.txt'),
        unlabeled=dict(ann_file='splits/1_128/unlabeled.txt')))
