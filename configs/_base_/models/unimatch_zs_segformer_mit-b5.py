# SegFormer MiT-B5: MiT-B4 with 40 blocks in stage 3 (mmseg's B5).
_base_ = ['./unimatch_zs_segformer_mit-b4.py']
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b5_20220624-658746d9.pth'  # noqa
model = dict(
    segmentor=dict(
        backbone=dict(
            num_layers=[3, 6, 40, 3],
            init_cfg=dict(type='Pretrained', checkpoint=checkpoint))))
