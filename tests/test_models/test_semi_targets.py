"""Enhancement rule, UniMatch targets and CutMix on hand-built tensors."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_zsl.models.segmentors.semi_targets import (
    confidence_and_prediction, cutmix_images, cutmix_target, enhanced_target,
    partner_index, plain_target, stack_pixel_field, unimatch_target)

IGNORE = 255
F_, T_ = False, True


def test_enhanced_label_rule():
    """Six pixels, tau = 0.7:

    a: conf .90 >= tau                    -> model class 1
    b: conf .50 <  tau                    -> zero-shot class 5
    c: conf .80 >= tau, zero-shot ignore  -> model class 3 (kept)
    d: conf .30 <  tau, zero-shot ignore  -> ignored
    e: conf .95 but padding               -> ignored
    f: conf == tau exactly                -> model class 8 (>=)
    """
    conf = torch.tensor([[[0.9, 0.5, 0.8, 0.3, 0.95, 0.7]]])
    pred = torch.tensor([[[1, 2, 3, 4, 6, 8]]])
    zs = torch.tensor([[[0, 5, IGNORE, IGNORE, 7, 0]]])
    padding = torch.tensor([[[F_, F_, F_, F_, T_, F_]]])
    label, weight = enhanced_target(conf, pred, zs, padding, 0.7, IGNORE)
    assert label.tolist() == [[[1, 5, 3, IGNORE, IGNORE, 8]]]
    assert weight is None


def test_enhanced_label_guard_against_turning_objects_into_background():
    """Seven pixels, tau = 0.7, to_background_thresh = 0.9, background 0:

    a: zero-shot object 2, model background at .80   -> 2 (guarded)
    b: zero-shot object 2, model background at .95   -> 0 (>= 0.9)
    c: zero-shot object 2, model object 3 at .80     -> 3 (not background)
    d: zero-shot background, model background at .80 -> 0
    e: zero-shot ignore, model background at .80     -> 0 (no object)
    f: zero-shot background, model object 4 at .75  -> 4
    g: zero-shot object 2, model background at .50   -> 2 (below tau)
    """
    conf = torch.tensor([[[0.8, 0.95, 0.8, 0.8, 0.8, 0.75, 0.5]]])
    pred = torch.tensor([[[0, 0, 3, 0, 0, 4, 0]]])
    zs = torch.tensor([[[2, 2, 2, 0, IGNORE, 0, 2]]])
    padding = torch.zeros_like(zs, dtype=torch.bool)
    guarded, _ = enhanced_target(conf, pred, zs, padding, 0.7, IGNORE, 0.9)
    assert guarded.tolist() == [[[2, 0, 3, 0, 0, 4, 2]]]
    paper, _ = enhanced_target(conf, pred, zs, padding, 0.7, IGNORE)
    assert paper.tolist() == [[[0, 0, 3, 0, 0, 4, 2]]]
    never, _ = enhanced_target(conf, pred, zs, padding, 0.7, IGNORE, 1.01)
    assert never.tolist() == [[[2, 2, 3, 0, 0, 4, 2]]]
    # another background index: class 2 is background, 0 an object
    other, _ = enhanced_target(conf, pred, zs, padding, 0.7, IGNORE, 0.9,
                               background_index=2)
    assert other.tolist() == [[[0, 0, 3, 0, 0, 4, 2]]]


def test_unimatch_target_masks_unconfident_and_ignores_padding():
    conf = torch.tensor([[[0.96, 0.5, 0.95, 0.99]]])
    pred = torch.tensor([[[1, 2, 3, 4]]])
    padding = torch.tensor([[[F_, F_, F_, T_]]])
    label, weight = unimatch_target(conf, pred, padding, 0.95, IGNORE)
    assert label.tolist() == [[[1, 2, 3, IGNORE]]]
    assert weight.tolist() == [[[1.0, 0.0, 1.0, 1.0]]]


def test_plain_target_ignores_padding_only():
    zs = torch.tensor([[[0, 4, IGNORE]]])
    padding = torch.tensor([[[T_, F_, F_]]])
    label, weight = plain_target(zs, padding, IGNORE)
    assert label.tolist() == [[[IGNORE, 4, IGNORE]]]
    assert weight is None


def test_confidence_and_prediction():
    # Pixel 0: logits (0, ln 3) -> p = (1/4, 3/4); pixel 1: (ln 4, 0) ->
    # p = (4/5, 1/5).
    logits = torch.tensor([[[[0.0, 1.3862944]], [[1.0986123, 0.0]]]])
    conf, pred = confidence_and_prediction(logits)
    assert pred.tolist() == [[[1, 0]]]
    torch.testing.assert_close(conf, torch.tensor([[[0.75, 0.8]]]))


def test_partner_is_the_batch_rolled_by_one():
    assert partner_index(3, torch.device('cpu')).tolist() == [2, 0, 1]
    assert partner_index(2, torch.device('cpu')).tolist() == [1, 0]


def test_cutmix_mixes_images_and_targets_inside_the_box_only():
    """Two images of 1 x 4 pixels; image 0's box covers columns 1-2, image
    1 has no box. Partners: 0 <- 1, 1 <- 0."""
    images = torch.tensor([[[[10., 11., 12., 13.]]],
                           [[[20., 21., 22., 23.]]]])
    box = torch.tensor([[[F_, T_, T_, F_]], [[F_, F_, F_, F_]]])
    partner = partner_index(2, torch.device('cpu'))

    mixed = cutmix_images(images, box, partner)
    assert mixed.tolist() == [[[[10., 21., 22., 13.]]],
                              [[[20., 21., 22., 23.]]]]

    label = torch.tensor([[[1, 1, 1, IGNORE]], [[2, IGNORE, 2, 2]]])
    weight = torch.tensor([[[1., 1., 0., 1.]], [[0., 1., 1., 1.]]])
    mixed_label, mixed_weight = cutmix_target((label, weight), box, partner)
    # Column 1 of image 0 takes the partner's ignore: the partner pixel is
    # the one the image now shows.
    assert mixed_label.tolist() == [[[1, IGNORE, 2, IGNORE]],
                                    [[2, IGNORE, 2, 2]]]
    assert mixed_weight.tolist() == [[[1., 1., 1., 1.]], [[0., 1., 1., 1.]]]
    assert cutmix_target((label, None), box, partner)[1] is None


def test_stack_pixel_field_and_its_error():
    samples = [
        SegDataSample(padding_mask=PixelData(data=torch.full((1, 2, 3), v)))
        for v in (0, 1)
    ]
    stacked = stack_pixel_field(samples, 'padding_mask')
    assert stacked.shape == (2, 2, 3)
    assert stacked[1].sum().item() == 6
    with pytest.raises(ValueError, match='cutmix_box'):
        stack_pixel_field(samples, 'cutmix_box')
