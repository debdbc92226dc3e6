# Variant beyond the paper: zsl, plus a loss of the clean weak view on the
# enhanced labels (weight 0.5, as the feature-perturbed view), the direct
# signal that the pseudo baseline has and UniMatch's structure lacks.
_base_ = ['./zsl_toy.py']
model = dict(semi_train_cfg=dict(weak_weight=0.5))
