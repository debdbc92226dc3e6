# Baseline: UniMatch (model pseudo labels, tau 0.95, plain CE) on the same
# model, data and schedule; the zero-shot labels are not read.
_base_ = ['./segformer_b4_pascal_183.py']
model = dict(semi_train_cfg=dict(mode='unimatch'))
train_dataloader = dict(dataset=dict(unlabeled=dict(pseudo_label_dir=None)))
