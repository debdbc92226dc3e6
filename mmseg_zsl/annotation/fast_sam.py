"""The fast tier of annotation: SAM's image encoder in bfloat16 with
``scaled_dot_product_attention``.

The exact tier (the default) runs SAM as segment_anything does, and its
outputs equal the stock generator's byte for byte. The fast tier trades
that for speed, the way segment-anything-fast does:

- the image encoder's attention calls ``F.scaled_dot_product_attention``
  (fused kernels on a GPU) with the decomposed relative positions as an
  additive bias, instead of materialising the softmax in Python;
- the image encoder runs under bfloat16 autocast and hands float32 features
  to the decoder; on CUDA, TF32 matmuls are allowed;
- the decoder takes larger point batches (the zero-shot mode's default
  becomes 256 points per batch);
- optionally ``torch.compile`` of the image encoder.

Masks then differ slightly from the exact tier's; ``tools/benchmark_annotate.py
--precision fast`` measures by how much. The tier is recorded in the
manifest, and caches of the two tiers never mix (resume and relabel across
tiers are refused).
"""
from types import MethodType
from typing import Any, Dict

import torch
import torch.nn.functional as F
from torch import nn

#: ``precision`` choices: byte-identical to segment_anything, or fast.
PRECISIONS = ('exact', 'fast')
#: Point prompts per decoder batch in the fast tier (SAM's default: 64).
FAST_POINTS_PER_BATCH = 256


def sdpa_attention_forward(self, x: torch.Tensor) -> torch.Tensor:
    """segment_anything's ``Attention.forward`` with SDPA (same math)."""
    from segment_anything.modeling.image_encoder import get_rel_pos
    batch, height, width, _ = x.shape
    heads = self.num_heads
    qkv = self.qkv(x).reshape(batch, height * width, 3, heads,
                              -1).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)  # (B, heads, HW, C)
    bias = None
    if self.use_rel_pos:
        rel_h = get_rel_pos(height, height, self.rel_pos_h)
        rel_w = get_rel_pos(width, width, self.rel_pos_w)
        r_q = q.reshape(batch * heads, height, width, -1)
        bias_h = torch.einsum('bhwc,hkc->bhwk', r_q, rel_h)
        bias_w = torch.einsum('bhwc,wkc->bhwk', r_q, rel_w)
        bias = (bias_h[:, :, :, :, None] + bias_w[:, :, :, None, :]).reshape(
            batch, heads, height * width, height * width).to(q.dtype)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    out = out.view(batch, heads, height, width,
                   -1).permute(0, 2, 3, 1, 4).reshape(batch, height, width,
                                                      -1)
    return self.proj(out)


def use_fast_image_encoder(sam: nn.Module, compile: bool = False) -> None:
    """Switch ``sam``'s image encoder to the fast tier, in place."""
    from segment_anything.modeling.image_encoder import Attention
    encoder = sam.image_encoder
    for module in encoder.modules():
        if isinstance(module, Attention):
            module.forward = MethodType(sdpa_attention_forward, module)
    device_type = next(encoder.parameters()).device.type
    if device_type == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    encode = torch.compile(encoder.forward) if compile else encoder.forward

    def forward(images: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device_type, dtype=torch.bfloat16):
            return encode(images).float()

    encoder.forward = forward


def precision_record(precision: str, compile: bool) -> Dict[str, Any]:
    """What the manifest records of a tier (nothing for the exact one, so
    that caches written before the tiers existed still resume)."""
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}.')
    if precision == 'exact':
        if compile:
            raise ValueError('compile applies to the fast tier only '
                             "(precision='fast').")
        return {}
    return dict(precision='fast', compile=bool(compile))
