# Baseline: labeled images only (CE), same model, iterations and schedule.
# The unlabeled stream is still loaded (one switch, same pipeline) but not
# used by the model.
_base_ = ['./segformer_b4_pascal_183.py']
model = dict(semi_train_cfg=dict(mode='supervised'))
train_dataloader = dict(dataset=dict(unlabeled=dict(pseudo_label_dir=None)))
