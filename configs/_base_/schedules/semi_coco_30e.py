# UniMatch's COCO schedule: as PASCAL's, with lr 0.004 and 30 epochs.
_base_ = ['./semi_pascal_80e.py']
optim_wrapper = dict(optimizer=dict(lr=0.004))
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.0,
        begin=0,
        end=30,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=30)
