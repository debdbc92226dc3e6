"""LabelSmoothCELoss against torch's own label-smoothed cross-entropy."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS

from mmseg_zsl.models.losses import LabelSmoothCELoss

IGNORE = 255


def _random_case(num_classes=5, seed=0):
    """Logits (2, C, 4, 6) and labels with a few ignored pixels."""
    torch.manual_seed(seed)
    logits = torch.randn(2, num_classes, 4, 6)
    label = torch.randint(0, num_classes, (2, 4, 6))
    label[0, 0, :3] = IGNORE
    label[1, 2, 1] = IGNORE
    return logits, label


@pytest.mark.parametrize('smoothing', [None, 0.0, 0.1, 0.5, 1.0])
def test_value_and_grad_match_torch_cross_entropy(smoothing):
    logits, label = _random_case()
    eps = 1 / 5 if smoothing is None else smoothing
    ref_logits = logits.clone().requires_grad_()
    ours_logits = logits.clone().requires_grad_()

    expected = F.cross_entropy(
        ref_logits, label, ignore_index=IGNORE, label_smoothing=eps)
    loss = LabelSmoothCELoss(smoothing=smoothing)(
        ours_logits, label, ignore_index=IGNORE)
    expected.backward()
    loss.backward()

    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(ours_logits.grad, ref_logits.grad)


@pytest.mark.parametrize('smoothing', [None, 0.3])
@pytest.mark.parametrize('with_weight', [False, True])
def test_matches_the_smoothed_target_definition(smoothing, with_weight):
    """Cross-entropy against q = (1 - eps) * onehot(y) + eps / C, written
    out, averaged over the non-ignored pixels (weights scale pixels)."""
    logits, label = _random_case(num_classes=4, seed=6)
    eps = 1 / 4 if smoothing is None else smoothing
    valid = label != IGNORE
    onehot = F.one_hot(label.clamp(max=3), 4).permute(0, 3, 1, 2).float()
    q = (1 - eps) * onehot + eps / 4
    per_pixel = -(q * logits.log_softmax(1)).sum(1) * valid
    weight = torch.rand(label.shape, generator=torch.Generator().manual_seed(
        7)) if with_weight else torch.ones(label.shape)
    expected = (per_pixel * weight).sum() / valid.sum()
    loss = LabelSmoothCELoss(smoothing=smoothing)(
        logits, label, weight=weight if with_weight else None)
    torch.testing.assert_close(loss, expected)


def test_hand_computed_value():
    """Two classes, logits (0, ln 3): p = (1/4, 3/4); label 1; eps = 1/2.

    loss = (1 - 1/2) * -ln(3/4) + 1/2 * (-ln(1/4) - ln(3/4)) / 2
         = 0.75 * -ln(3/4) + 0.25 * ln 4
    """
    logits = torch.tensor([0.0, math.log(3.0)]).view(1, 2, 1, 1)
    label = torch.tensor([[[1]]])
    expected = 0.75 * -math.log(0.75) + 0.25 * math.log(4.0)
    loss = LabelSmoothCELoss(smoothing=None)(logits, label)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_smoothing_zero_equals_mmseg_cross_entropy():
    logits, label = _random_case(num_classes=7, seed=1)
    expected = CrossEntropyLoss(avg_non_ignore=True)(
        logits, label, ignore_index=IGNORE)
    loss = LabelSmoothCELoss(smoothing=0.0)(logits, label)
    torch.testing.assert_close(loss, expected)


def test_pixel_weights_keep_the_non_ignored_denominator():
    """UniMatch's masked mean: sum(ce * mask) / #non-ignored pixels."""
    logits, label = _random_case(seed=2)
    mask = (torch.rand(label.shape, generator=torch.Generator().manual_seed(
        3)) > 0.5).float()
    per_pixel = F.cross_entropy(
        logits, label, ignore_index=IGNORE, reduction='none')
    expected = (per_pixel * mask).sum() / (label != IGNORE).sum()
    loss = LabelSmoothCELoss(smoothing=0.0)(logits, label, weight=mask)
    torch.testing.assert_close(loss, expected)


def test_avg_factor_and_loss_weight():
    logits, label = _random_case(seed=4)
    per_pixel = F.cross_entropy(
        logits, label, ignore_index=IGNORE, reduction='none',
        label_smoothing=0.2)
    loss = LabelSmoothCELoss(smoothing=0.2, loss_weight=3.0)(
        logits, label, avg_factor=10.0)
    torch.testing.assert_close(loss, 3.0 * per_pixel.sum() / 10.0)


def test_reduction_none_returns_zero_at_ignored_pixels():
    logits, label = _random_case(seed=5)
    loss = LabelSmoothCELoss()(logits, label, reduction_override='none')
    expected = F.cross_entropy(
        logits, label, ignore_index=IGNORE, reduction='none',
        label_smoothing=1 / 5)
    assert loss.shape == label.shape
    torch.testing.assert_close(loss, expected)
    assert loss[label == IGNORE].abs().sum().item() == 0.0


def test_all_ignored_gives_zero_and_finite_grad():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    label = torch.full((1, 2, 2), IGNORE)
    loss = LabelSmoothCELoss()(logits, label)
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(logits.grad).all()


def test_registered_and_named():
    loss = MODELS.build(dict(type='LabelSmoothCELoss', smoothing=0.1))
    assert isinstance(loss, LabelSmoothCELoss)
    assert loss.loss_name == 'loss_ls_ce'
    assert 'smoothing=0.1' in repr(loss)


@pytest.mark.parametrize('kwargs', [
    dict(smoothing=-0.1),
    dict(smoothing=1.5),
    dict(reduction='avg'),
    dict(loss_name='ls_ce'),
])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        LabelSmoothCELoss(**kwargs)
