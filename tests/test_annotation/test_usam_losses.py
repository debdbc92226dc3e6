"""U-SAM losses against values derived by hand."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmseg_zsl.annotation.usam import (mask_entropy, mil_class_scores,
                                       mil_loss, select_bad_masks,
                                       student_loss, topk_count,
                                       uncertainty_loss)


def test_topk_count():
    # k = max(1, ceil(d / a))
    assert topk_count(100, 8) == 13  # ceil(12.5)
    assert topk_count(16, 8) == 2
    assert topk_count(3, 8) == 1  # ceil(0.375) = 1
    with pytest.raises(ValueError, match='topk_divisor'):
        topk_count(10, 0)


def test_mil_scores_average_the_top_k_masks():
    """d = 4 masks, a = 2 -> k = 2.

    class 0 logits [1, 5, 3, 0] -> top 2 = {5, 3} -> s = 4
    class 1 logits [2, 2, 6, -1] -> top 2 = {6, 2} -> s = 4
    class 2 logits [0, -2, 1, 0] -> top 2 = {1, 0} -> s = 0.5
    """
    logits = torch.tensor([[[1., 2, 0], [5, 2, -2], [3, 6, 1], [0, -1, 0]]])
    scores = mil_class_scores(logits, topk_divisor=2)
    torch.testing.assert_close(scores, torch.tensor([[4.0, 4.0, 0.5]]))


def test_mil_loss_single_and_multi_label():
    """d = 2, a = 2 -> k = 1: s = the max mask logit per class.

    Image 1: logits per class max -> s = [4, 2], label {0}:
        p0 = e^4 / (e^4 + e^2) -> loss = log(1 + e^-2) = 0.126928
    Image 2: s = [4, 2], label {0, 1} -> y = [1/2, 1/2]:
        loss = (log(1 + e^-2) + log(1 + e^2)) / 2 = 1.126928
    Mean over images = 0.626928.
    """
    logits = torch.tensor([[[4., 0], [1, 2]], [[4., 2], [-3, 1]]])
    targets = torch.tensor([[1., 0], [1, 1]])
    expected = (math.log1p(math.exp(-2)) +
                (math.log1p(math.exp(-2)) + math.log1p(math.exp(2))) / 2) / 2
    loss = mil_loss(logits, targets, topk_divisor=2)
    assert float(loss) == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(0.626928, abs=1e-6)
    # independent reference: torch's cross-entropy with soft targets
    scores = torch.tensor([[4., 2], [4, 2]])
    reference = F.cross_entropy(scores, torch.tensor([[1., 0], [.5, .5]]))
    assert float(loss) == pytest.approx(float(reference), abs=1e-6)


def test_bad_masks_are_uncertain_or_confidently_wrong():
    """One image labelled {0}, C = 2, threshold 0.5 on H / log 2.

    mask a [0, 0]:   p = [.5, .5], H / log2 = 1.0        > 0.5 -> bad
    mask b [5, 0]:   p0 = 0.993307, H = 0.040180 nats,
                     H / log2 = 0.057967 < 0.5, class 0 = label -> good
    mask c [0, 5]:   same entropy, class 1 not the label -> bad
    mask d [.5, 0]:  p0 = 0.622459, H = 0.662847 nats,
                     H / log2 = 0.956287 > 0.5 (right class, but unsure)
                     -> bad
    """
    teacher = torch.tensor([[[0., 0], [5, 0], [0, 5], [.5, 0]]])
    targets = torch.tensor([[1., 0]])
    entropy = mask_entropy(teacher)
    torch.testing.assert_close(
        entropy, torch.tensor([[1.0, 0.057967, 0.057967, 0.956287]]),
        atol=1e-5, rtol=0)
    bad = select_bad_masks(teacher, targets, entropy_threshold=0.5)
    assert bad.tolist() == [[True, False, True, True]]
    # a multi-label image accepts either class
    bad = select_bad_masks(teacher, torch.tensor([[1., 1]]), 0.5)
    assert bad.tolist() == [[True, False, False, True]]


def test_uncertainty_loss_by_hand():
    """C = 2. Image 1 has bad masks with student logits [0, ln 3], [0, 0]:

    log softmax [0, ln 3] = [ln 1/4, ln 3/4] -> sum ln(3/16) = -1.673976
    log softmax [0, 0]    = [ln 1/2, ln 1/2] -> sum ln(1/4)  = -1.386294
    Image 2 has no bad mask -> 0.
    'mean': image 1 = -1.530135 -> L = -(-1.530135 + 0) / 2 = 0.765068
    'sum':  image 1 = -3.060271 -> L = 3.060271 / 2 = 1.530135
    """
    student = torch.tensor([[[0., math.log(3)], [0, 0], [7, -2]],
                            [[1., 0], [0, 3], [2, 2]]])
    bad = torch.tensor([[True, True, False], [False, False, False]])
    mean = uncertainty_loss(student, bad, 'mean')
    total = uncertainty_loss(student, bad, 'sum')
    assert float(mean) == pytest.approx(
        -(math.log(3 / 16) + math.log(1 / 4)) / 2 / 2, abs=1e-6)
    assert float(mean) == pytest.approx(0.765068, abs=1e-6)
    assert float(total) == pytest.approx(1.530135, abs=1e-6)
    # uniform predictions give the minimum, C log C per mask
    uniform = torch.zeros(1, 2, 2)
    assert float(uncertainty_loss(uniform, torch.ones(1, 2, dtype=bool),
                                  'mean')) == pytest.approx(2 * math.log(2))
    with pytest.raises(ValueError, match='mask_reduction'):
        uncertainty_loss(student, bad, 'max')


def test_student_loss_weights_the_two_terms():
    """Teacher: mask 0 [0, 0] is bad (uncertain); mask 1 [5, 0] is good.

    Student logits [[0, ln 3], [2, 0]], label {0}, a = 2 -> k = 1:
    s = [max(0, 2), max(ln 3, 0)] = [2, ln 3]
    L_MIL = -log(e^2 / (e^2 + 3)) = log(1 + 3 e^-2) = 0.340753
    L_unc = -ln(3/16) = 1.673976 (one image, one bad mask)
    L = 1 * 0.340753 + 0.15 * 1.673976 = 0.591849
    """
    student = torch.tensor([[[0., math.log(3)], [2, 0]]], requires_grad=True)
    teacher = torch.tensor([[[0., 0], [5, 0]]])
    loss, parts = student_loss(
        student, teacher, torch.tensor([[1., 0]]), topk_divisor=2,
        entropy_threshold=0.5)
    assert parts['loss_mil'] == pytest.approx(0.340753, abs=1e-6)
    assert parts['loss_unc'] == pytest.approx(1.673976, abs=1e-6)
    assert parts['bad_ratio'] == 0.5
    assert loss.item() == pytest.approx(0.591849, abs=1e-6)
    loss.backward()  # gradients reach the student only
    assert student.grad is not None
