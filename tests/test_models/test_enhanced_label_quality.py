import math

import pytest
import torch

from mmseg_zsl.models.segmentors.enhanced_label_quality import \
    EnhancedLabelQuality

# Five pixels in a row, three classes. Pixel 4's ground truth is ignored.
GT = torch.tensor([[0, 1, 2, 1, 255]])
ZS = torch.tensor([[0, 2, 255, 1, 0]])
# Confident 0, confident 1, unconfident 0 (softmax e/(e+2) = 0.58),
# confident 0, confident 1 (confident: softmax 0.99991).
LOGITS = torch.tensor([[10., 0., 1., 10., 0.], [0., 10., 0., 0., 10.],
                       [0., 0., 0., 0., 0.]])[:, None, :]


def _results(threshes):
    quality = EnhancedLabelQuality(3, threshes)
    quality.update(LOGITS, ZS, GT)
    return quality.results()


def test_hand_computed_image():
    row = _results([0.7])['tau=0.7']
    # model [0,1,0,0]: IoU 1/3, 1/2, 0/1.
    assert row['model_miou'] == pytest.approx(100 * (1 / 3 + 1 / 2) / 3)
    # zero-shot [0,2,-,1]: IoU 1/1, 1/2, 0/2 (the unassigned pixel misses).
    assert row['zero_shot_miou'] == pytest.approx(100 * 1.5 / 3)
    # enhanced [0,1,-,0]: IoU 1/2, 1/2, 0/1.
    assert row['enhanced_miou'] == pytest.approx(100 / 3)
    assert row['confident'] == pytest.approx(75.0)
    # changed: pixel 1 (2 -> 1, model right) and pixel 3 (1 -> 0, zs right)
    assert row['changed'] == pytest.approx(50.0)
    assert row['changed_model_right'] == pytest.approx(50.0)
    assert row['changed_zero_shot_right'] == pytest.approx(50.0)


def test_guard_against_background_keeps_the_zero_shot_object():
    """Pixel 3: zero-shot object 1, model background at 0.99991. With
    to_background_thresh 0.99995 the guard keeps class 1 (right), so only
    pixel 1 changes (2 -> 1, model right)."""
    quality = EnhancedLabelQuality(3, [0.7], to_background_thresh=0.99995)
    quality.update(LOGITS, ZS, GT)
    row = quality.results()['tau=0.7']
    # enhanced [0,1,-,1]: IoU 1/1, 2/2, 0/1.
    assert row['enhanced_miou'] == pytest.approx(100 * 2 / 3)
    assert row['changed'] == pytest.approx(25.0)
    assert row['changed_model_right'] == pytest.approx(100.0)


def test_extreme_thresholds_give_model_or_zero_shot():
    results = _results([0.0, 0.99995])
    everything = results['tau=0']
    assert everything['enhanced_miou'] == pytest.approx(
        everything['model_miou'])
    assert everything['confident'] == pytest.approx(100.0)
    nothing = results['tau=0.99995']
    assert nothing['enhanced_miou'] == pytest.approx(
        nothing['zero_shot_miou'])
    assert nothing['confident'] == 0.0 and nothing['changed'] == 0.0
    assert math.isnan(nothing['changed_model_right'])


def test_images_accumulate():
    quality = EnhancedLabelQuality(3, [0.7])
    quality.update(LOGITS, ZS, GT)
    quality.update(LOGITS, GT, GT)  # a perfect zero-shot label
    row = quality.results()['tau=0.7']
    # 8 valid pixels; changed: pixels 1 and 3 of image 1, pixel 3 of image 2
    assert row['changed'] == pytest.approx(100 * 3 / 8)
    assert row['changed_zero_shot_right'] == pytest.approx(100 * 2 / 3)


def test_size_mismatch_is_an_error():
    quality = EnhancedLabelQuality(3, [0.7])
    with pytest.raises(ValueError, match='share one'):
        quality.update(LOGITS, ZS[:, :4], GT)
