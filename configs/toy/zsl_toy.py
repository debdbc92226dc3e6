# The paper's method (mode 'zsl': enhanced labels, label smoothing) on the toy
# world. tools/run_demo.py and tools/benchmark_toy.py set data_root, the split
# and the pseudo-label directory with --cfg-options.
_base_ = [
    '../_base_/models/unimatch_zs_deeplabv3plus_toy.py',
    '../_base_/datasets/toy_shapes_semi.py',
    '../_base_/schedules/semi_toy.py',
    '../_base_/default_runtime.py',
]
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(data_preprocessor=dict(size=crop_size)),
    segmentor=dict(data_preprocessor=dict(size=crop_size)),
    semi_train_cfg=dict(mode='zsl'))
randomness = dict(seed=0)
env_cfg = dict(cudnn_benchmark=False)
