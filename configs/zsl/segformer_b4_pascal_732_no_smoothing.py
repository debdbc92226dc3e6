# Label-smoothing ablation (PASCAL 732): the enhanced labels with plain
# cross-entropy instead of label smoothing.
_base_ = ['./segformer_b4_pascal_732.py']
model = dict(semi_train_cfg=dict(smoothing=0.0))
