# Baseline: the zero-shot labels used naively, as plain CE targets on the
# weak view (no strong views, no feature perturbation, no enhancement).
_base_ = ['./segformer_b4_pascal_183.py']
model = dict(semi_train_cfg=dict(mode='pseudo'))
