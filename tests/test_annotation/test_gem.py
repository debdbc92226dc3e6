"""GEM against an independent re-computation of its formulas
(docs/method.md)."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_zsl.annotation import GEMDenseCLIP, self_self_attention
from .conftest import make_tiny_clip


def layer_norm(x, module):
    return F.layer_norm(x, module.normalized_shape, module.weight,
                        module.bias, module.eps)


def reference_block(block, x):
    """The original residual block, written out head by head."""
    width = x.shape[-1]
    heads = block.attn.num_heads
    head_dim = width // heads
    weight, bias = block.attn.in_proj_weight, block.attn.in_proj_bias
    h = layer_norm(x, block.ln_1)
    q = h @ weight[:width].T + bias[:width]
    k = h @ weight[width:2 * width].T + bias[width:2 * width]
    v = h @ weight[2 * width:].T + bias[2 * width:]
    outs = []
    for head in range(heads):
        part = slice(head * head_dim, (head + 1) * head_dim)
        attn = torch.softmax(
            q[..., part] @ k[..., part].transpose(-1, -2) / head_dim**0.5,
            dim=-1)
        outs.append(attn @ v[..., part])
    out = torch.cat(outs, -1) @ block.attn.out_proj.weight.T \
        + block.attn.out_proj.bias
    x = x + out
    hidden = F.gelu(
        layer_norm(x, block.ln_2) @ block.mlp.c_fc.weight.T +
        block.mlp.c_fc.bias)
    return x + hidden @ block.mlp.c_proj.weight.T + block.mlp.c_proj.bias


def reference_gem_attention(block, x, num_iter, temp):
    """docs/method.md 1: self-self attention of q, k, v per head, averaged."""
    width = x.shape[-1]
    heads = block.attn.num_heads
    head_dim = width // heads
    weight, bias = block.attn.in_proj_weight, block.attn.in_proj_bias
    h = layer_norm(x, block.ln_1)
    q = h @ weight[:width].T + bias[:width]
    k = h @ weight[width:2 * width].T + bias[width:2 * width]
    v = h @ weight[2 * width:].T + bias[2 * width:]
    if temp is None:
        beta = h.norm(dim=-1).mean(dim=1) / head_dim**0.5  # (B,)
    else:
        beta = torch.full((x.shape[0], ), float(temp))
    beta = beta[:, None, None]
    outs = []
    for head in range(heads):
        part = slice(head * head_dim, (head + 1) * head_dim)
        total = 0
        for p in (q, k, v):
            z = p[..., part]
            z = z / z.norm(dim=-1, keepdim=True)
            for _ in range(num_iter):
                z = torch.softmax(beta * z @ z.transpose(-1, -2), -1) @ z
                z = z / z.norm(dim=-1, keepdim=True)
            attn = torch.softmax(beta * z @ z.transpose(-1, -2), -1)
            total = total + attn @ v[..., part]
        outs.append(total / 3)
    return torch.cat(outs, -1) @ block.attn.out_proj.weight.T \
        + block.attn.out_proj.bias


def reference_dense(model, images, gem_depth, num_iter=1, temp=None):
    visual = model.visual
    patch = visual.conv1.kernel_size[0]
    x = F.conv2d(images, visual.conv1.weight, stride=patch)
    batch, width, grid_h, grid_w = x.shape
    x = torch.cat(
        [visual.class_embedding.expand(batch, 1, -1),
         x.flatten(2).transpose(1, 2)], 1)
    pos = visual.positional_embedding
    old_h, old_w = visual.grid_size
    if (grid_h, grid_w) != (old_h, old_w):
        grid = pos[1:].reshape(1, old_h, old_w, width).permute(0, 3, 1, 2)
        grid = F.interpolate(
            grid, (grid_h, grid_w), mode='bicubic', antialias=True)
        pos = torch.cat([pos[:1], grid.permute(0, 2, 3, 1).reshape(-1, width)])
    x = layer_norm(x + pos, visual.ln_pre)
    blocks = list(visual.transformer.resblocks)
    first = len(blocks) - (gem_depth - 1)
    for block in blocks[:first]:
        x = reference_block(block, x)
    x_gem = x
    for block in blocks[first:]:
        x_gem = x_gem + reference_gem_attention(block, x, num_iter, temp)
        x = reference_block(block, x)
    out = layer_norm(x_gem, visual.ln_post) @ visual.proj
    return out[:, 1:].reshape(batch, grid_h, grid_w, -1).permute(0, 3, 1, 2)


@pytest.mark.parametrize('size,gem_depth,num_iter,temp', [
    ((64, 64), 7, 1, None),
    ((64, 64), 3, 1, None),
    ((96, 48), 3, 1, None),
    ((64, 80), 5, 2, 3.0),
])
def test_encode_dense_matches_reference(tiny_clip, size, gem_depth, num_iter,
                                        temp):
    torch.manual_seed(1)
    images = torch.randn(2, 3, *size)
    gem = GEMDenseCLIP.from_open_clip(
        tiny_clip, gem_depth=gem_depth, ss_attn_iter=num_iter,
        ss_attn_temp=temp)
    dense = gem.encode_dense(images)
    with torch.no_grad():
        expected = reference_dense(tiny_clip, images, gem_depth, num_iter,
                                   temp)
    assert dense.shape == (2, 16, size[0] // 16, size[1] // 16)
    torch.testing.assert_close(dense, expected, rtol=1e-4, atol=1e-5)


def test_gem_path_differs_from_plain_clip_tokens(tiny_clip):
    """The GEM path is not the vanilla patch-token path."""
    images = torch.randn(1, 3, 64, 64)
    dense = GEMDenseCLIP.from_open_clip(tiny_clip, gem_depth=3).encode_dense(
        images)
    tiny_clip.visual.output_tokens = True
    with torch.no_grad():
        _, tokens = tiny_clip.visual(images)
    tiny_clip.visual.output_tokens = False
    vanilla = (tokens @ tiny_clip.visual.proj).reshape(1, 4, 4, -1)
    assert not torch.allclose(dense.permute(0, 2, 3, 1), vanilla, atol=1e-3)


def test_wrapping_leaves_the_model_unchanged(tiny_clip):
    import open_clip
    images = torch.randn(2, 3, 64, 64)
    tokens = open_clip.tokenizer.SimpleTokenizer(context_length=16)(
        ['a photo of a cat.'])
    with torch.no_grad():
        image_before = tiny_clip.encode_image(images)
        text_before = tiny_clip.encode_text(tokens)
    state = {k: v.clone() for k, v in tiny_clip.state_dict().items()}
    tiny_clip.train()  # mode must be left as the caller set it

    gem = GEMDenseCLIP.from_open_clip(tiny_clip, gem_depth=3)
    gem.encode_dense(torch.randn(1, 3, 96, 64))
    gem.encode_text(['a photo of a dog.'])

    assert gem.model is tiny_clip
    assert tiny_clip.training
    tiny_clip.eval()
    for key, value in tiny_clip.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert 'forward' not in vars(tiny_clip.visual)
    assert all('forward' not in vars(b)
               for b in tiny_clip.visual.transformer.resblocks)
    with torch.no_grad():
        assert torch.equal(tiny_clip.encode_image(images), image_before)
        assert torch.equal(tiny_clip.encode_text(tokens), text_before)


def test_encode_text_is_normalised_clip_text(tiny_clip):
    import open_clip
    texts = ['a photo of a cat.', 'a photo of a tv monitor.']
    gem = GEMDenseCLIP.from_open_clip(tiny_clip)
    embeds = gem.encode_text(texts)
    tokens = open_clip.tokenizer.SimpleTokenizer(context_length=16)(texts)
    with torch.no_grad():
        expected = F.normalize(tiny_clip.encode_text(tokens), dim=-1)
    assert embeds.shape == (2, 16)
    torch.testing.assert_close(embeds.norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(embeds, expected)


def test_self_self_attention_with_fixed_temperature_by_hand():
    # One head, two tokens, q = k = v: z = l2norm(v); with beta = 0 the
    # attention is uniform, so every output token is the mean of v.
    v = torch.tensor([[[[3.0, 4.0], [1.0, 0.0]]]])
    out = self_self_attention(v, v, v, 0.0, num_iter=1)
    torch.testing.assert_close(out, torch.tensor([[[[2.0, 2.0],
                                                    [2.0, 2.0]]]]))


def test_invalid_gem_depth_and_non_vit():
    model = make_tiny_clip()
    with pytest.raises(ValueError, match='gem_depth must be in'):
        GEMDenseCLIP.from_open_clip(model, gem_depth=10)
    with pytest.raises(ValueError, match='gem_depth must be in'):
        GEMDenseCLIP.from_open_clip(model, gem_depth=1)
    model.visual = torch.nn.Conv2d(3, 4, 1)
    with pytest.raises(TypeError, match='ViT'):
        GEMDenseCLIP.from_open_clip(model)


def test_sides_not_multiple_of_patch_rejected(tiny_clip):
    gem = GEMDenseCLIP.from_open_clip(tiny_clip)
    with pytest.raises(ValueError, match='multiples of the patch size'):
        gem.encode_dense(torch.randn(1, 3, 70, 64))


def test_from_pretrained_errors():
    with pytest.raises(FileNotFoundError, match='huggingface.co'):
        GEMDenseCLIP.from_pretrained('ViT-B-16-quickgelu',
                                     '/nonexistent/open_clip_model.bin')
    with pytest.raises(ValueError, match='Unknown open_clip model'):
        GEMDenseCLIP.from_pretrained('ViT-Q-99', None)
