"""U-SAM mask-token extraction on tiny SAMs (real classes, random weights)."""
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation.sam import TINY_SAM_CFG, build_tiny_sam
from mmseg_zsl.annotation.usam import (SamMaskEmbedder, capture_mask_tokens,
                                       uniform_point_grid)


def reference_predictions(sam, image, points, multimask):
    """The unmodified SamPredictor's logits and scores for point prompts."""
    from segment_anything import SamPredictor
    predictor = SamPredictor(sam)
    predictor.set_image(image)
    coords = torch.as_tensor(
        predictor.transform.apply_coords(points, image.shape[:2]),
        dtype=torch.float)[:, None, :]
    labels = torch.ones(coords.shape[:2], dtype=torch.int)
    logits, iou, _ = predictor.predict_torch(
        coords, labels, multimask_output=multimask, return_logits=True)
    return predictor, coords, labels, logits, iou


def test_grid_is_cell_centred_row_by_row():
    # 2 x 2 cells of a 56 x 40 image: centres at x = 14, 42 and y = 10, 30
    np.testing.assert_allclose(
        uniform_point_grid(2, 40, 56),
        [[14, 10], [42, 10], [14, 30], [42, 30]])


def test_hook_leaves_sam_outputs_unchanged(tiny_sam, rgb_image):
    points = uniform_point_grid(3, *rgb_image.shape[:2])
    predictor, coords, labels, logits, iou = reference_predictions(
        tiny_sam, rgb_image, points, multimask=True)
    with capture_mask_tokens(tiny_sam.mask_decoder) as captured:
        hooked_logits, hooked_iou, _ = predictor.predict_torch(
            coords, labels, multimask_output=True, return_logits=True)
    assert torch.equal(hooked_logits, logits)
    assert torch.equal(hooked_iou, iou)
    assert len(captured) == 1 and captured[0].shape == (9, 4, 32)
    # the hook is gone after the block
    assert not tiny_sam.mask_decoder.transformer._forward_hooks


@pytest.mark.parametrize('selection', ['best', 'single'])
def test_embedder_masks_are_the_predictor_masks(tiny_sam, rgb_image,
                                                selection):
    # one batch, as the reference: batched matmuls of other sizes may round
    # differently in the last bit
    embedder = SamMaskEmbedder(
        tiny_sam, points_per_side=3, mask_selection=selection)
    out = embedder.embed(rgb_image)
    points = uniform_point_grid(3, *rgb_image.shape[:2])
    _, _, _, logits, iou = reference_predictions(
        tiny_sam, rgb_image, points, multimask=selection == 'best')
    # 'best': SAM's advice for one click, the highest predicted IoU of 3.
    chosen = iou.argmax(dim=1) if selection == 'best' else torch.zeros(
        9, dtype=torch.long)
    rows = torch.arange(9)
    assert out.masks.shape == (9, 40, 56) and out.masks.dtype == torch.bool
    assert torch.equal(out.masks, logits[rows, chosen] > 0.0)
    assert torch.equal(out.predicted_iou, iou[rows, chosen])
    np.testing.assert_allclose(out.points, points)


def test_tokens_are_the_hypernetwork_inputs(tiny_sam, rgb_image):
    """Token i of a prompt is what SAM feeds its i-th mask MLP."""
    decoder = tiny_sam.mask_decoder
    inputs = {}
    handles = [
        mlp.register_forward_pre_hook(
            lambda module, args, i=i: inputs.setdefault(i, []).append(
                args[0].clone()))
        for i, mlp in enumerate(decoder.output_hypernetworks_mlps)
    ]
    try:
        out = SamMaskEmbedder(
            tiny_sam, points_per_side=3, points_per_batch=5).embed(
                rgb_image, return_masks=False)
    finally:
        for handle in handles:
            handle.remove()
    # two batches (5 + 4 prompts); per prompt [token 0, 1, 2, 3] flattened
    expected = torch.cat([
        torch.cat([inputs[i][batch] for i in range(4)], dim=1)
        for batch in range(2)
    ])
    assert out.masks is None
    assert torch.equal(out.tokens, expected)


def test_real_sized_tokens_are_d_by_1024(rgb_image):
    torch.manual_seed(0)
    # transformer_dim 256 as in every official SAM: 4 x 256 = 1024
    sam = build_tiny_sam(**dict(TINY_SAM_CFG, prompt_embed_dim=256))
    embedder = SamMaskEmbedder(sam)  # default 10 x 10 grid, d = 100
    assert embedder.num_points == 100 and embedder.embed_dim == 1024
    tokens = embedder.embed(rgb_image, return_masks=False).tokens
    assert tokens.shape == (100, 1024) and tokens.dtype == torch.float32


def test_invalid_options():
    with pytest.raises(ValueError, match="mask_selection must be one of"):
        SamMaskEmbedder(None, mask_selection='largest')
    with pytest.raises(ValueError, match='points_per_side'):
        uniform_point_grid(0, 10, 10)
