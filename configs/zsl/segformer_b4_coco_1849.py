# SegFormer-B4, COCO (81 classes), 1/64 split = 1849 labeled images.
_base_ = ['./segformer_b4_coco_232.py']
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/1_64/labeled.txt'),
        unlabeled=dict(ann_file='splits/1_64/unlabeled.txt')))
