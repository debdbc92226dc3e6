# Runtime shared by every mmseg_zsl config (mmseg's, plus the plugin import).
default_scope = 'mmseg'
custom_imports = dict(imports=['mmseg_zsl'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False

tta_model = dict(type='SegTTAModel')
# Every training iteration seeded from (seed, iteration, rank): a resumed run
# equals the uninterrupted one (docs/training.md, "Resume"); a warning before
# training names the classes without labeled pixels (docs/training.md, "A
# class without labeled pixels").
custom_hooks = [
    dict(type='IterationSeedHook'),
    dict(type='LabeledClassCoverageHook')
]
