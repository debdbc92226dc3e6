# Short schedule for the toy world: AdamW (the small model starts from
# random weights, unlike the paper's ImageNet-pretrained backbones), poly
# decay, an epoch = one pass over the unlabeled set; evaluated once at the end
# on the last weights (no best-epoch selection), so every method gets the
# same budget. lr 1e-3 was the best of 2.5e-4 / 5e-4 / 1e-3 / 2e-3 / 6e-3 in
# a plain fully supervised sweep on the world's ground truth (held-out mIoU
# after 1,200 steps: 28 / 37 / 39 / 30 / 24), chosen before any method runs.
_base_ = ['./semi_pascal_80e.py']
max_epochs = 4
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='AdamW', lr=1e-3, betas=(0.9, 0.999),
        weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=1.0)}))
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(save_best=None, interval=max_epochs),
    visualization=dict(draw=False))
