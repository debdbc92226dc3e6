# SegFormer-B4, PASCAL VOC 2012, 92 labeled images (mode 'zsl').
_base_ = ['./segformer_b4_pascal_183.py']
train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='splits/92/labeled.txt'),
        unlabeled=dict(ann_file='splits/92/unlabeled.txt')))
