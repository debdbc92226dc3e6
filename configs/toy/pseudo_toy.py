# Ablation: the zero-shot labels used naively as plain targets on the weak
# view (no strong views, no enhancement), same model and budget.
_base_ = ['./zsl_toy.py']
model = dict(semi_train_cfg=dict(mode='pseudo'))
