"""GEM dense CLIP features on an installed open_clip (3.x, batch-first).

GEM (Bousselham et al., CVPR 2024, "Grounding Everything") adds a parallel
*self-self attention* path to the last ``gem_depth - 1`` residual blocks of a
CLIP ViT. We run the visual transformer's blocks ourselves, reading the
model's modules without patching or copying them, so the wrapped model keeps
working unchanged elsewhere (its ``encode_image`` / ``encode_text`` give the
same results as before wrapping). See ``docs/method.md`` section 1.
"""
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .text import default_tokenizer, encode_texts


def resample_pos_embed(pos_embed: Tensor, old_grid: Sequence[int],
                       new_grid: Sequence[int]) -> Tensor:
    """Resample a ViT's absolute position embeddings to a new patch grid.

    The class-token embedding (first row) is kept; the patch embeddings are
    resampled with bicubic, antialiased interpolation, as GEM does.

    Args:
        pos_embed (Tensor): ``(1 + gh * gw, C)`` embeddings of the
            pretraining grid.
        old_grid (Sequence[int]): ``(gh, gw)`` of the pretraining grid.
        new_grid (Sequence[int]): ``(h, w)`` of the wanted grid.

    Returns:
        Tensor: ``(1 + h * w, C)`` embeddings (the input itself when the grids
        are equal).
    """
    old_grid, new_grid = tuple(old_grid), tuple(new_grid)
    if old_grid == new_grid:
        return pos_embed
    width = pos_embed.shape[-1]
    cls_embed, patch_embed = pos_embed[:1], pos_embed[1:]
    patch_embed = patch_embed.reshape(1, *old_grid, width).permute(0, 3, 1, 2)
    patch_embed = F.interpolate(
        patch_embed.float(),
        size=new_grid,
        mode='bicubic',
        antialias=True,
        align_corners=False)
    patch_embed = patch_embed.permute(0, 2, 3, 1).reshape(-1, width)
    return torch.cat([cls_embed, patch_embed.to(pos_embed.dtype)], dim=0)


def self_self_attention(q: Tensor, k: Tensor, v: Tensor,
                        inv_temp: Union[Tensor, float],
                        num_iter: int) -> Tensor:
    """GEM's self-self attention of q, k and v, averaged (``o`` in GEM).

    For each ``p`` in ``{q, k, v}`` and every head: ``z = l2norm(p)``;
    ``num_iter`` times ``z = l2norm(softmax(beta z z^T) z)``; then
    ``o_p = softmax(beta z z^T) v``. Returns ``(o_q + o_k + o_v) / 3``.

    The three paths run as one batch through
    :func:`torch.nn.functional.scaled_dot_product_attention` (query
    ``beta * z``, scale 1), which is exactly ``softmax(beta z z^T)`` and uses
    the fused, memory-efficient kernels where available.

    Args:
        q (Tensor): ``(B, heads, N, head_dim)`` queries.
        k (Tensor): Keys, same shape.
        v (Tensor): Values, same shape (used un-normalised).
        inv_temp (Tensor | float): ``beta``, a float or a ``(B,)`` tensor.
        num_iter (int): Number of self-self iterations before the final
            assignment to v.

    Returns:
        Tensor: ``(B, heads, N, head_dim)``.
    """
    batch, heads, tokens, head_dim = q.shape
    z = F.normalize(torch.stack([q, k, v]), dim=-1)
    if isinstance(inv_temp, Tensor):
        beta = inv_temp.to(z.dtype).reshape(1, batch, 1, 1, 1)
    else:
        beta = float(inv_temp)
    shape = (3 * batch, heads, tokens, head_dim)

    def attend(value: Tensor) -> Tensor:
        out = F.scaled_dot_product_attention(
            (z * beta).reshape(shape), z.reshape(shape), value.reshape(shape),
            scale=1.0)
        return out.reshape(3, batch, heads, tokens, head_dim)

    for _ in range(num_iter):
        z = F.normalize(attend(z), dim=-1)
    return attend(v.unsqueeze(0).expand(3, -1, -1, -1, -1)).mean(dim=0)


class GEMDenseCLIP:
    """Dense GEM patch features and text embeddings from an open_clip CLIP.

    Not an ``nn.Module`` on purpose: it holds no weights of its own and never
    changes the wrapped model (no copies, no patched methods, no change of
    device or train/eval mode), so the same model can serve elsewhere.

    Args:
        model (nn.Module): An open_clip ``CLIP`` (or ``CustomTextCLIP``) whose
            visual tower is open_clip's ``VisionTransformer`` with standard
            (``nn.MultiheadAttention``) residual blocks.
        tokenizer (Callable, optional): Turns a list of strings into a token
            tensor. Defaults to open_clip's ``SimpleTokenizer`` with the
            model's context length.
        gem_depth (int): The last ``gem_depth - 1`` blocks get the GEM path.
            Defaults to 7.
        ss_attn_iter (int): Self-self attention iterations. Defaults to 1.
        ss_attn_temp (float, optional): Fixed inverse temperature ``beta``;
            None uses GEM's adaptive one (mean token norm of LN1(x) times
            ``head_dim ** -0.5``, per image). Defaults to None.
    """

    def __init__(self,
                 model: nn.Module,
                 tokenizer: Optional[Callable[[List[str]], Tensor]] = None,
                 gem_depth: int = 7,
                 ss_attn_iter: int = 1,
                 ss_attn_temp: Optional[float] = None) -> None:
        visual = getattr(model, 'visual', None)
        required = ('conv1', 'class_embedding', 'positional_embedding',
                    'ln_pre', 'transformer', 'ln_post', 'proj', 'patch_size')
        missing = [name for name in required if not hasattr(visual, name)]
        if missing:
            raise TypeError(
                'GEMDenseCLIP needs an open_clip CLIP model with a ViT '
                f'visual tower (open_clip VisionTransformer); got a visual '
                f'tower of type {type(visual).__name__} without {missing}. '
                'Use a ViT model such as ViT-B-16.')
        if getattr(visual, 'attn_pool', None) is not None:
            raise TypeError('GEM is defined for ViTs with token pooling; this '
                            'visual tower uses an attentional pooler.')
        blocks = visual.transformer.resblocks
        for block in blocks:
            attn = getattr(block, 'attn', None)
            if not (isinstance(attn, nn.MultiheadAttention)
                    and attn._qkv_same_embed_dim):
                raise TypeError(
                    'GEM needs residual blocks with a packed '
                    'nn.MultiheadAttention (the standard CLIP/OpenCLIP '
                    f'ViTs); got attention of type {type(attn).__name__}.')
        if not 2 <= gem_depth <= len(blocks) + 1:
            raise ValueError(
                f'gem_depth must be in [2, {len(blocks) + 1}] for a ViT with '
                f'{len(blocks)} blocks (the last gem_depth - 1 blocks get '
                f'the GEM path); got {gem_depth}.')
        if ss_attn_iter < 0:
            raise ValueError(
                f'ss_attn_iter must be >= 0, got {ss_attn_iter}.')
        self._model = model
        self._tokenizer = tokenizer
        self.gem_depth = gem_depth
        self.ss_attn_iter = ss_attn_iter
        self.ss_attn_temp = ss_attn_temp

    # ----------------------------------------------------------- builders
    @classmethod
    def from_open_clip(cls,
                       model: nn.Module,
                       gem_depth: int = 7,
                       ss_attn_iter: int = 1,
                       ss_attn_temp: Optional[float] = None,
                       tokenizer: Optional[Callable] = None) -> 'GEMDenseCLIP':
        """Wrap an existing open_clip CLIP model (not copied, not changed)."""
        return cls(
            model,
            tokenizer=tokenizer,
            gem_depth=gem_depth,
            ss_attn_iter=ss_attn_iter,
            ss_attn_temp=ss_attn_temp)

    @classmethod
    def from_pretrained(cls,
                        model_name: str,
                        pretrained: Optional[str],
                        device: Union[str, torch.device] = 'cpu',
                        cache_dir: Optional[str] = None,
                        **gem_kwargs: Any) -> 'GEMDenseCLIP':
        """Build open_clip's ``model_name`` with ``pretrained`` weights.

        Args:
            model_name (str): open_clip model name, e.g.
                ``'ViT-B-16-quickgelu'`` (OpenAI weights use QuickGELU).
            pretrained (str, optional): An open_clip pretrained tag (e.g.
                ``'openai'``, downloaded into ``cache_dir`` on first use) or
                the path of a checkpoint file. None gives random weights.
            device (str | torch.device): Device. Defaults to 'cpu'.
            cache_dir (str, optional): Download cache of open_clip.
            **gem_kwargs: ``gem_depth``, ``ss_attn_iter``, ``ss_attn_temp``.
        """
        from .clip_models import build_open_clip
        model, tokenizer = build_open_clip(
            model_name, pretrained, device=device, cache_dir=cache_dir)
        return cls(model, tokenizer=tokenizer, **gem_kwargs)

    # ---------------------------------------------------------- properties
    @property
    def model(self) -> nn.Module:
        """The wrapped open_clip model."""
        return self._model

    @property
    def visual(self) -> nn.Module:
        return self._model.visual

    @property
    def patch_size(self) -> Tuple[int, int]:
        patch = self.visual.patch_size
        return (patch, patch) if isinstance(patch, int) else tuple(patch)

    @property
    def device(self) -> torch.device:
        return self.visual.conv1.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.visual.conv1.weight.dtype

    @property
    def tokenizer(self) -> Callable[[List[str]], Tensor]:
        if self._tokenizer is None:
            self._tokenizer = default_tokenizer(self._model)
        return self._tokenizer

    # ------------------------------------------------------------- images
    def _run_block(self, block: nn.Module, x: Tensor) -> Tensor:
        """One original residual block on batch-first tokens."""
        if getattr(self.visual.transformer, 'batch_first', True):
            return block(x)
        return block(x.transpose(0, 1)).transpose(0, 1)

    def _gem_attention(self, block: nn.Module, x: Tensor) -> Tensor:
        """GEM's attention output ``W_o o + b_o`` for one block.

        q, k, v come from the block's own qkv projection of ``LN1(x)`` of
        the original path ``x`` (batch-first ``(B, N, C)``).
        """
        attn: nn.MultiheadAttention = block.attn
        x_norm = block.ln_1(x)
        batch, tokens, width = x_norm.shape
        heads = attn.num_heads
        head_dim = width // heads
        qkv = F.linear(x_norm, attn.in_proj_weight, attn.in_proj_bias)
        q, k, v = qkv.reshape(batch, tokens, 3, heads,
                              head_dim).permute(2, 0, 3, 1, 4)
        if self.ss_attn_temp is None:
            # One scalar per image: mean token norm times head_dim ** -0.5.
            inv_temp = x_norm.norm(dim=-1).mean(dim=1) * head_dim**-0.5
        else:
            inv_temp = float(self.ss_attn_temp)
        out = self_self_attention(q, k, v, inv_temp, self.ss_attn_iter)
        out = out.transpose(1, 2).reshape(batch, tokens, width)
        return F.linear(out, attn.out_proj.weight, attn.out_proj.bias)

    @torch.no_grad()
    def encode_dense(self, images: Tensor) -> Tensor:
        """GEM patch features of CLIP-normalised images.

        Args:
            images (Tensor): ``(B, 3, H, W)`` normalised with CLIP's mean and
                std; H and W multiples of the patch size. Grids other than
                the pretraining one resample the position embeddings.

        Returns:
            Tensor: ``(B, D, H / p, W / p)`` GEM patch tokens after
            ``ln_post`` and the visual projection (not normalised).
        """
        visual = self.visual
        patch_h, patch_w = self.patch_size
        batch, _, height, width = images.shape
        if height % patch_h or width % patch_w:
            raise ValueError(
                f'Image sides must be multiples of the patch size '
                f'{(patch_h, patch_w)}; got {(height, width)}. Resize first '
                '(see mmseg_zsl.annotation.zero_shot.preprocess).')
        x = visual.conv1(images.to(device=self.device, dtype=self.dtype))
        grid = tuple(x.shape[-2:])
        x = x.flatten(2).transpose(1, 2)
        cls_token = visual.class_embedding.to(x.dtype).expand(batch, 1, -1)
        x = torch.cat([cls_token, x], dim=1)
        old_grid = tuple(visual.grid_size)
        x = x + resample_pos_embed(visual.positional_embedding, old_grid,
                                   grid).to(x.dtype)
        x = visual.ln_pre(x)

        blocks = visual.transformer.resblocks
        first_gem = len(blocks) - (self.gem_depth - 1)
        for block in blocks[:first_gem]:
            x = self._run_block(block, x)
        # The GEM stream starts as the input of the first modified block;
        # it has no MLP and no LayerNorm of its own.
        x_gem = x
        gem_blocks = blocks[first_gem:]
        for index, block in enumerate(gem_blocks):
            x_gem = x_gem + block.ls_1(self._gem_attention(block, x))
            if index < len(gem_blocks) - 1:  # the last output is unused
                x = self._run_block(block, x)

        x_gem = visual.ln_post(x_gem)
        if visual.proj is not None:
            x_gem = x_gem @ visual.proj
        patches = x_gem[:, 1:]
        return patches.reshape(batch, *grid, -1).permute(0, 3, 1,
                                                         2).contiguous()

    # --------------------------------------------------------------- text
    @torch.no_grad()
    def encode_text(self, texts: Sequence[str]) -> Tensor:
        """L2-normalised text embeddings ``(N, D)`` of ``texts``."""
        return encode_texts(self._model, self.tokenizer, texts)
