# Baseline: UniMatch with its own model (DeepLabV3+ R101) on PASCAL 183.
_base_ = ['./deeplabv3plus_r101_pascal_183.py']
model = dict(semi_train_cfg=dict(mode='unimatch'))
train_dataloader = dict(dataset=dict(unlabeled=dict(pseudo_label_dir=None)))
