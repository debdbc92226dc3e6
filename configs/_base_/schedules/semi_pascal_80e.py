# UniMatch's PASCAL schedule (docs/method.md §2): SGD, momentum 0.9, wd 1e-4,
# lr 0.001 for the backbone and x10 for the heads, poly decay (power 0.9)
# over 80 epochs, an epoch being one pass over the unlabeled set.
# The lr is for 4 GPUs x (2 labeled + 2 unlabeled) images: run
# tools/train.py with --auto-scale-lr to scale it linearly on other setups.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4),
    clip_grad=None,
    # Matches both decode_head and auxiliary_head (not the backbone).
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=80,
        by_epoch=True,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(enable=False, base_batch_size=16)
# UniMatch validates every epoch and reports the best epoch.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=80, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=True,
        interval=1,
        max_keep_ckpts=1,
        save_best='mIoU',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
