# Baseline: UniMatch (model pseudo labels, tau 0.95), same model and budget.
_base_ = ['./zsl_toy.py']
model = dict(semi_train_cfg=dict(mode='unimatch'))
train_dataloader = dict(dataset=dict(unlabeled=dict(pseudo_label_dir=None)))
