# SegFormer-B4, PASCAL VOC 2012, 1464 labeled images (mode 'zsl').
_base_ = ['./segformer_b4_pascal_183.py']
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/1464/labeled.txt'),
        unlabeled=dict(ann_file='splits/1464/unlabeled.txt')))
