"""Tiny SAM and CLIP built from the real classes, random weights, seeded."""
import numpy as np
import pytest
import torch

pytest.importorskip('open_clip')
pytest.importorskip('segment_anything')
pytest.importorskip('pycocotools')

#: A tiny open_clip CLIP: 8 vision blocks, so GEM's default depth 7 fits.
TINY_CLIP = dict(
    embed_dim=16,
    vision_cfg=dict(
        image_size=64, patch_size=16, width=32, layers=8, head_width=8,
        mlp_ratio=2.0),
    text_cfg=dict(
        context_length=16, vocab_size=49408, width=16, heads=2, layers=1,
        mlp_ratio=2.0))


def make_tiny_clip(seed: int = 0):
    import open_clip
    torch.manual_seed(seed)
    model = open_clip.CLIP(**TINY_CLIP)
    # Non-trivial LayerNorm and bias values exercise every term.
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'ln' in name or 'bias' in name:
                param.add_(0.1 * torch.randn_like(param))
    return model.eval()


@pytest.fixture
def tiny_clip():
    return make_tiny_clip()


@pytest.fixture(scope='session')
def tiny_sam():
    from mmseg_zsl.annotation.sam import TINY_SAM_CFG, build_tiny_sam
    torch.manual_seed(0)
    return build_tiny_sam(**TINY_SAM_CFG)


@pytest.fixture
def rgb_image():
    rng = np.random.default_rng(0)
    image = np.zeros((40, 56, 3), dtype=np.uint8)
    image[:, :28] = (200, 30, 30)
    image[10:30, 30:50] = (20, 180, 40)
    image += rng.integers(0, 20, size=image.shape, dtype=np.uint8)
    return image
