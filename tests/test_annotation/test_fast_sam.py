"""The fast tier: SDPA attention equals SAM's, bf16 stays close, and the
tier is recorded and never mixed with the exact one."""
import copy
from types import MethodType

import pytest
import torch

from mmseg_zsl.annotation.fast_sam import (precision_record,
                                           sdpa_attention_forward,
                                           use_fast_image_encoder)
from mmseg_zsl.annotation.sam import TINY_SAM_CFG, build_tiny_sam
from mmseg_zsl.apis import annotate, relabel
from .._images import write_noise_images


@pytest.fixture(scope='module')
def sam():
    from segment_anything.modeling.image_encoder import Attention
    torch.manual_seed(0)
    model = build_tiny_sam(**TINY_SAM_CFG)
    with torch.no_grad():  # SAM initialises them to zero: make them count
        for module in model.modules():
            if isinstance(module, Attention) and module.use_rel_pos:
                module.rel_pos_h.normal_()
                module.rel_pos_w.normal_()
    return model


def test_sdpa_attention_is_sams_attention(sam):
    from segment_anything.modeling.image_encoder import Attention
    images = torch.randn(1, 3, 256, 256)
    patched = copy.deepcopy(sam)
    for module in patched.image_encoder.modules():
        if isinstance(module, Attention):
            module.forward = MethodType(sdpa_attention_forward, module)
    with torch.no_grad():
        expected = sam.image_encoder(images)
        torch.testing.assert_close(patched.image_encoder(images), expected,
                                   atol=2e-5, rtol=1e-5)
        fast = copy.deepcopy(sam)
        use_fast_image_encoder(fast)
        out = fast.image_encoder(images)
    assert out.dtype == torch.float32  # the decoder gets float32
    # bfloat16 has 8 bits of mantissa: close, not equal
    assert not torch.equal(out, expected)
    assert (out - expected).abs().max() < 0.05 * expected.abs().max()


def test_the_manifest_records_only_the_fast_tier():
    assert precision_record('exact', False) == {}
    assert precision_record('fast', False) == dict(precision='fast',
                                                   compile=False)
    with pytest.raises(ValueError, match='precision must be one of'):
        precision_record('half', False)
    with pytest.raises(ValueError, match='fast tier only'):
        precision_record('exact', True)


@pytest.mark.e2e
def test_tiers_never_mix(tmp_path):
    folder = write_noise_images(tmp_path / 'images', 2, seed=0)
    options = dict(classes=['background', 'cat'], threshold=0.0,
                   random_init='tiny', device='cpu', progress=False)
    out = str(tmp_path / 'fast')
    _, merged = annotate(str(folder), out, precision='fast', **options)
    assert merged.done == 2
    with open(f'{out}/manifest.json') as file:
        assert '"precision": "fast"' in file.read()
    with pytest.raises(ValueError,
                       match='models.sam.precision: "fast" there, absent'):
        annotate(str(folder), out, **options)  # the exact tier
    with pytest.raises(ValueError, match="'fast' tier"):
        relabel(out, precision='exact', threshold=0.1, progress=False)
    _, relabelled = relabel(out, threshold=0.1, progress=False)
    assert relabelled.done == 2
