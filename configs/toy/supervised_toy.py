# Baseline: the labeled images only, same model and budget.
_base_ = ['./zsl_toy.py']
model = dict(semi_train_cfg=dict(mode='supervised'))
train_dataloader = dict(dataset=dict(unlabeled=dict(pseudo_label_dir=None)))
