"""The refinement rule on hand-built probabilities and segments."""
import torch

from mmseg_zsl.annotation.refine import refine_label, segment_owner

IGNORE = 255


def _probs(*rows):
    """(C, H, W) from a nested list [H][W][C]."""
    return torch.tensor(rows, dtype=torch.float32).permute(2, 0, 1)


# One row of four pixels, two classes:
# pixel:        0           1           2           3
# p(class 1):   0.9         0.6         0.2         0.75
PROBS = _probs([[0.1, 0.9], [0.4, 0.6], [0.8, 0.2], [0.25, 0.75]])


def test_pixel_rule_is_eq7():
    zs = torch.tensor([[0, 0, 1, IGNORE]])
    # tau 0.7: pixels 0 (0.9) and 3 (0.75) take the model's class 1; pixel
    # 1 (0.6) and 2 (0.8 >= 0.7: class 0) ... pixel 2 is confident for 0.
    assert refine_label(PROBS, zs, 0.7).tolist() == [[1, 0, 0, 1]]
    # tau 0.85: only pixel 0; pixel 3 stays the ignored zero-shot pixel.
    assert refine_label(PROBS, zs, 0.85).tolist() == [[1, 0, 1, IGNORE]]


def test_segment_decided_by_its_mean_probability():
    zs = torch.tensor([[0, 0, 1, 1]])
    # Segment {0, 1}: mean p(1) = 0.75 >= 0.7 -> both pixels class 1,
    # although pixel 1 alone (0.6) is not confident.
    seg = torch.tensor([[[True, True, False, False]]])
    out = refine_label(PROBS, zs, 0.7, segments=seg)
    # Pixels 2 and 3 are in no segment: the pixel rule (2 -> 0, 3 -> 1).
    assert out.tolist() == [[1, 1, 0, 1]]
    # Segment {1, 2}: mean p = (0.6, 0.4) -> not confident at 0.7: the
    # zero-shot labels of its pixels stay (0 and 1), even where pixel 2
    # alone would be confident.
    seg = torch.tensor([[[False, True, True, False]]])
    out = refine_label(PROBS, zs, 0.7, segments=seg)
    assert out.tolist() == [[1, 0, 1, 1]]


def test_smaller_segment_wins_overlaps():
    big = [True, True, True, True]
    small = [False, False, True, True]
    segments = torch.tensor([[big], [small]])
    assert segment_owner(segments).tolist() == [[0, 0, 1, 1]]
    # order does not matter for unequal areas; for equal ones the later wins
    assert segment_owner(segments.flip(0)).tolist() == [[1, 1, 0, 0]]
    twins = torch.tensor([[small], [small]])
    assert segment_owner(twins).tolist() == [[-1, -1, 1, 1]]


def test_overlap_decisions_by_hand():
    segments = torch.tensor([[[True, True, True, True]],
                             [[False, False, True, True]]])
    zs = torch.tensor([[0, 0, 0, 0]])
    # tau 0.6: big segment mean p(1) = (0.9+0.6+0.2+0.75)/4 = 0.6125 ->
    # class 1 for pixels 0, 1; the small one {2, 3}: p(0) = 0.525,
    # p(1) = 0.475 -> not confident -> zero-shot 0 for pixels 2, 3.
    assert refine_label(PROBS, zs, 0.6, segments=segments).tolist() == [[
        1, 1, 0, 0
    ]]
    # tau 0.62: neither segment is confident: the zero-shot label.
    assert refine_label(PROBS, zs, 0.62,
                        segments=segments).tolist() == [[0, 0, 0, 0]]


def test_no_segments_is_the_pixel_rule():
    zs = torch.tensor([[0, 0, 1, IGNORE]])
    empty = torch.zeros((0, 1, 4), dtype=torch.bool)
    assert torch.equal(refine_label(PROBS, zs, 0.7, segments=empty),
                       refine_label(PROBS, zs, 0.7))
