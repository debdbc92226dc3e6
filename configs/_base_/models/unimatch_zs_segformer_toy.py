# A small SegFormer (MiT of width 16, one block per stage, trained from
# scratch) inside UniMatchZSSegmentor, for the toy world on a CPU.
_base_ = ['./unimatch_zs_segformer_mit-b4.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)  # BN when not distributed
model = dict(
    segmentor=dict(
        backbone=dict(
            embed_dims=16,
            num_layers=[1, 1, 1, 1],
            num_heads=[1, 2, 4, 8],
            drop_path_rate=0.0,
            init_cfg=None),
        decode_head=dict(
            in_channels=[16, 32, 64, 128], channels=64, num_classes=6)))
