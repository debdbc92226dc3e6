"""Our mask-generation loop against segment_anything's own generator.

An untrained tiny SAM's masks are a speckle spanning the whole image, so
every box is the image's and one mask survives the NMS. The fixture makes
its masks local without leaving SAM's code path: hooks on the real prompt
encoder and mask decoder add to each mask's logits a cone around its
clicked point (three radii for SAM's three outputs) on top of the model's
own speckle, scaled up so that holes and islands appear. The quality
thresholds come from the model's own score quantiles. The filters, both
NMS, the crop-edge filter and the small-region clean-up then really remove
or change masks, and every output is compared byte for byte.
"""
import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from mmseg_zsl.annotation.amg import (MaskGenerationLoop, compress_rles,
                                      masks_to_rle_counts)
from mmseg_zsl.annotation.sam import (TINY_SAM_CFG, build_tiny_sam,
                                      sam_generator_defaults)

#: Logit height of the cone at the clicked point, and the factor of the
#: model's own (tiny) logits.
CONE, SPECKLE = 100.0, 1000.0


def _image(height, width, seed=0):
    """Colour blocks and a little noise."""
    rng = np.random.default_rng(seed)
    image = np.empty((height, width, 3), np.uint8)
    image[:] = (40, 120, 200)
    image[height // 5:height // 2, width // 4:width // 2] = (200, 30, 30)
    image[height // 2:, width // 2:] = (20, 220, 60)
    return image + rng.integers(0, 8, image.shape, dtype=np.uint8)


def _localise(sam):
    """Hooks that make each mask a noisy disc around its point."""
    clicked = {}

    def remember_points(module, args, kwargs):
        clicked['coords'] = kwargs['points'][0][:, 0, :].float()

    def add_cones(module, args, kwargs, output):
        logits, iou = output
        num, outputs, height, width = logits.shape
        centre = clicked['coords'] * height / sam.image_encoder.img_size
        ys, xs = torch.meshgrid(
            torch.arange(height), torch.arange(width), indexing='ij')
        dist = ((xs - centre[:, 0, None, None])**2 +
                (ys - centre[:, 1, None, None])**2).sqrt()
        radii = torch.tensor([6.0, 12.0, 24.0])[:outputs] * height / 64
        cones = CONE * (1 - dist[:, None] / radii[None, :, None, None])
        return cones + SPECKLE * (logits - logits.mean()), iou

    sam.prompt_encoder.register_forward_pre_hook(
        remember_points, with_kwargs=True)
    sam.mask_decoder.register_forward_hook(add_cones, with_kwargs=True)
    return sam


@pytest.fixture(scope='module')
def sam_and_params():
    from segment_anything import SamPredictor
    from segment_anything.utils.amg import (build_point_grid,
                                            calculate_stability_score)
    torch.manual_seed(0)
    sam = _localise(build_tiny_sam(**TINY_SAM_CFG))
    image = _image(120, 168)
    predictor = SamPredictor(sam)
    predictor.set_image(image)
    points = build_point_grid(8) * np.array([168, 120])
    coords = torch.as_tensor(predictor.transform.apply_coords(points,
                                                              (120, 168)))
    with torch.no_grad():
        logits, iou, _ = predictor.predict_torch(
            coords[:, None], torch.ones(len(coords), 1, dtype=torch.int),
            multimask_output=True, return_logits=True)
    stability = calculate_stability_score(logits.flatten(0, 1),
                                          sam.mask_threshold, 1.0)
    params = dict(
        points_per_side=8,
        pred_iou_thresh=float(np.quantile(iou.numpy(), 0.2)),
        stability_score_thresh=float(np.quantile(stability.numpy(), 0.2)))
    return sam, params


def _stock(sam, image, **params):
    from segment_anything import SamAutomaticMaskGenerator
    generator = SamAutomaticMaskGenerator(
        sam, output_mode='coco_rle', **params)
    with torch.inference_mode():
        return generator.generate(image)


def _assert_identical(stock, ours):
    assert len(stock) == len(ours.rles)
    assert [r['segmentation']['counts'].encode() for r in stock] == ours.rles
    assert [np.float32(r['predicted_iou']) for r in stock] == \
        ours.predicted_iou.tolist()
    assert [np.float32(r['stability_score']) for r in stock] == \
        ours.stability_score.tolist()
    assert [r['bbox'] for r in stock] == [[b[0], b[1], b[2] - b[0],
                                           b[3] - b[1]]
                                          for b in ours.boxes.tolist()]
    assert [r['point_coords'] for r in stock] == [[p] for p in
                                                  ours.point_coords.tolist()]
    crop_boxes = ours.crop_boxes.tolist()
    assert [r['crop_box'] for r in stock] == [[c[0], c[1], c[2] - c[0],
                                               c[3] - c[1]]
                                              for c in crop_boxes]
    # the device masks are the masks of the RLEs
    decoded = mask_utils.decode([{
        'size': list(ours.masks.shape[1:]),
        'counts': rle
    } for rle in ours.rles]) if ours.rles else np.zeros((0, 0, 0))
    if ours.rles:
        assert np.array_equal(decoded.transpose(2, 0, 1),
                              ours.masks.numpy().astype(np.uint8))


@pytest.mark.parametrize('size,options', [
    ((120, 168), {}),
    ((168, 120), dict(points_per_batch=10)),  # 10 does not divide 64
    ((120, 168), dict(crop_n_layers=1, crop_n_points_downscale_factor=2)),
    ((128, 112), dict(min_mask_region_area=30)),
    ((120, 168), dict(crop_n_layers=1, min_mask_region_area=30)),
])
def test_outputs_are_those_of_the_stock_generator(sam_and_params, size,
                                                  options):
    sam, params = sam_and_params
    params = dict(params, **options)
    image = _image(*size, seed=sum(size))
    stock = _stock(sam, image, **params)
    ours = MaskGenerationLoop(sam, {**sam_generator_defaults(),
                                    **params}).generate(image)
    _assert_identical(stock, ours)
    assert 10 <= len(ours.rles) < 3 * 64  # filters and NMS removed masks


def test_filters_nms_and_clean_up_really_act(sam_and_params):
    """Without each stage of the settings, more masks survive; the clean-up
    changes masks."""
    sam, params = sam_and_params
    image = _image(120, 168, seed=288)
    kept = _stock(sam, image, **params)
    for stage in ('pred_iou_thresh', 'stability_score_thresh'):
        assert len(_stock(sam, image, **dict(params, **{stage: 0.0}))) > \
            len(kept)
    assert len(_stock(sam, image, **dict(params, box_nms_thresh=1.0))) > \
        len(kept)
    cleaned = _stock(sam, image, **dict(params, min_mask_region_area=30))
    assert sorted(r['area'] for r in cleaned) != sorted(r['area']
                                                        for r in kept)


@pytest.mark.parametrize('stage', ['pred_iou_thresh',
                                   'stability_score_thresh'])
def test_a_score_equal_to_its_threshold(sam_and_params, stage):
    """The threshold set to a kept mask's own score: stock drops it for the
    predicted IoU (``>``) and keeps it for the stability (``>=``)."""
    sam, params = sam_and_params
    image = _image(120, 168, seed=288)
    field = dict(pred_iou_thresh='predicted_iou',
                 stability_score_thresh='stability_score')[stage]
    kept = _stock(sam, image, **params)
    params = dict(params, **{stage: min(r[field] for r in kept)})
    stock = _stock(sam, image, **params)
    ours = MaskGenerationLoop(sam, {**sam_generator_defaults(),
                                    **params}).generate(image)
    _assert_identical(stock, ours)
    assert len(stock) == len(kept) - (stage == 'pred_iou_thresh')


def test_no_mask_kept_and_the_rle_fallback(sam_and_params):
    sam, params = sam_and_params
    image = _image(120, 168)
    nothing = dict(params, pred_iou_thresh=1.0)
    ours = MaskGenerationLoop(sam, {**sam_generator_defaults(),
                                    **nothing}).generate(image)
    assert ours.rles == [] and ours.masks.shape == (0, 120, 168)
    _assert_identical(_stock(sam, image, **nothing), ours)
    # Above the memory cap each batch is encoded at once: same outputs.
    capped = MaskGenerationLoop(sam, {**sam_generator_defaults(), **params},
                                mask_memory_cap=0).generate(image)
    _assert_identical(_stock(sam, image, **params), capped)


def _reference_rle(mask):
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))[
        'counts']


@pytest.mark.parametrize('chunk', [1, 10**9])
def test_rle_against_pycocotools(chunk):
    rng = np.random.default_rng(0)
    masks = np.zeros((5, 7, 9), dtype=bool)
    masks[1] = True  # full
    masks[2, 0, 0] = True  # the first pixel only
    masks[3] = rng.random((7, 9)) > 0.5
    masks[4, 6, 8] = True  # the last pixel only
    counts = masks_to_rle_counts(torch.from_numpy(masks), chunk)
    assert counts[0] == [63] and counts[1] == [0, 63]
    assert compress_rles(counts, 7, 9) == [_reference_rle(m) for m in masks]
    assert masks_to_rle_counts(torch.zeros(0, 7, 9, dtype=torch.bool)) == []
