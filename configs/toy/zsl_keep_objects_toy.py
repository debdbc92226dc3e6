# Variant beyond the paper: zsl, but the model may turn a zero-shot object
# pixel into background only at confidence >= 0.95 (UniMatch's tau) instead
# of 0.7. Targets the confident "background on objects" mistakes that the
# diagnosis measured (configs/toy/README.md).
_base_ = ['./zsl_toy.py']
model = dict(semi_train_cfg=dict(to_background_thresh=0.95))
