"""Backbone pretraining on the source world: scores, determinism, resume,
and loading into the toy configs as ImageNet weights load."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_zsl  # noqa: F401  (registers)
from mmseg_zsl.toy_world.pretraining import (confusion_matrix, miou,
                                             pretrain_backbone, random_crops)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(epochs=2, num_train=8, num_val=4, batch_size=4, crop=32)


def test_confusion_matrix_and_miou_by_hand():
    """gt 0 0 1 1 2, pred 0 1 1 1 0:
    class 0: inter 1, union 3 (gt 2 + pred 2 - 1) -> 1/3;
    class 1: inter 2, union 3 -> 2/3; class 2: inter 0, union 1 -> 0."""
    gt = np.array([0, 0, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0])
    matrix = confusion_matrix(pred, gt, 4)
    assert matrix[0].tolist() == [1, 1, 0, 0]
    assert matrix[2].tolist() == [1, 0, 0, 0]
    # class 3 never occurs: skipped, as mmseg's IoUMetric does
    assert miou(matrix) == pytest.approx(100 * (1 / 3 + 2 / 3 + 0) / 3)


def test_random_crops_cut_images_and_masks_alike():
    images = np.arange(2 * 6 * 6 * 3, dtype=np.uint8).reshape(2, 6, 6, 3)
    masks = images[..., 0].copy()
    out_images, out_masks = random_crops(images, masks, 4,
                                         np.random.default_rng(0))
    assert out_images.shape == (2, 4, 4, 3)
    assert np.array_equal(out_images[..., 0], out_masks)


def _pretrain(tmp_path, name, **kwargs):
    out = str(tmp_path / f'{name}.pth')
    meta = pretrain_backbone(out, str(tmp_path / name), log=lambda _: None,
                             **{**TINY, **kwargs})
    return torch.load(out, weights_only=True), meta


def test_pretraining_is_deterministic_and_resumes_exactly(tmp_path):
    first, meta = _pretrain(tmp_path, 'a')
    second, _ = _pretrain(tmp_path, 'b')
    assert first['state_dict'].keys() == second['state_dict'].keys()
    assert all(k.startswith('backbone.') for k in first['state_dict'])
    for key, value in first['state_dict'].items():
        assert torch.equal(value, second['state_dict'][key]), key
    assert 0 <= meta['source_val_miou'] <= 100
    assert first['meta']['source_classes'][0] == 'background'

    # Interrupted after the first epoch, then the same command again.
    def stop_after_first_epoch(line):
        if line.startswith('epoch 1/'):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pretrain_backbone(str(tmp_path / 'c.pth'), str(tmp_path / 'c'),
                          log=stop_after_first_epoch, **TINY)
    assert not osp.exists(tmp_path / 'c.pth')
    lines = []
    pretrain_backbone(str(tmp_path / 'c.pth'), str(tmp_path / 'c'),
                      log=lines.append, **TINY)
    assert lines[0].startswith('resuming from')
    resumed = torch.load(tmp_path / 'c.pth', weights_only=True)
    for key, value in first['state_dict'].items():
        assert torch.equal(value, resumed['state_dict'][key]), key

    with pytest.raises(ValueError, match="lr: 0.002 there, 0.001 now"):
        pretrain_backbone(str(tmp_path / 'c.pth'), str(tmp_path / 'c'),
                          log=lines.append, lr=1e-3, **TINY)


def test_checkpoint_initialises_the_toy_backbone_not_the_head(tmp_path):
    checkpoint, _ = _pretrain(tmp_path, 'a', epochs=1)
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'models',
                 'unimatch_zs_deeplabv3plus_toy.py'))
    init = cfg.model.segmentor.backbone.init_cfg
    assert init.type == 'Pretrained' and init.prefix == 'backbone.'
    init.checkpoint = str(tmp_path / 'a.pth')
    cfg.model.segmentor.backbone.norm_cfg = dict(type='BN')
    cfg.model.segmentor.decode_head.norm_cfg = dict(type='BN')
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    head_before = {
        k: v.clone()
        for k, v in model.segmentor.decode_head.state_dict().items()
    }
    model.init_weights()
    backbone = model.segmentor.backbone.state_dict()
    for key, value in checkpoint['state_dict'].items():
        assert torch.equal(backbone[key[len('backbone.'):]], value), key
    # The decode head keeps its random initialisation (mmseg's own).
    conv = 'conv_seg.weight'
    assert not torch.equal(model.segmentor.decode_head.state_dict()[conv],
                           torch.zeros_like(head_before[conv]))
    assert len(checkpoint['state_dict']) == len(backbone)
