# SegFormer-B4, PASCAL VOC 2012, 366 labeled images (mode 'zsl').
_base_ = ['./segformer_b4_pascal_183.py']
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/366/labeled.txt'),
        unlabeled=dict(ann_file='splits/366/unlabeled.txt')))
