"""Prompt building on hand-made annotations (no model)."""
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation.prompted.prompt_building import (build_class_prompts,
                                                           check_mask_choice,
                                                           image_rng,
                                                           iterative_counts,
                                                           num_sampled,
                                                           sam_boxes,
                                                           sam_points,
                                                           sample_scribbles,
                                                           select_masks)
from mmseg_zsl.annotation.prompted.prompt_sources import (ClassIndex,
                                                          PromptGroup,
                                                          parse_voc_xml)

pytest.importorskip('segment_anything')


def group(class_id, *xy):
    return PromptGroup(class_id, np.array(xy, dtype=np.float32))


# background (0) clicks, two cats (1), one car (2)
GROUPS = [group(1, [1, 1]), group(0, [9, 9]), group(2, [5, 5], [6, 5]),
          group(1, [2, 8])]


def test_each_class_gets_its_points_positive_and_the_others_negative():
    prompts = build_class_prompts(GROUPS, negative_only=[0])
    assert [p.class_id for p in prompts] == [1, 2]  # background: no mask
    cat, car = prompts
    assert cat.positive.tolist() == [[1, 1], [2, 8]]
    assert cat.negative.tolist() == [[9, 9], [5, 5], [6, 5]]
    assert car.positive.tolist() == [[5, 5], [6, 5]]
    assert car.negative.tolist() == [[1, 1], [9, 9], [2, 8]]
    coords, labels = cat.points(2)
    assert coords.tolist() == [[1, 1], [2, 8], [9, 9], [5, 5], [6, 5]]
    assert labels.tolist() == [1, 1, 0, 0, 0]


def test_without_negative_points_only_positives_are_given():
    cat, car = build_class_prompts(GROUPS, [0], negative_points=False)
    assert cat.negative.shape == (0, 2) and car.negative.shape == (0, 2)
    coords, labels = car.points(1)  # first round of iterative input
    assert coords.tolist() == [[5, 5]] and labels.tolist() == [1]


def test_a_background_class_can_also_be_prompted():
    prompts = build_class_prompts(GROUPS, negative_only=[])
    assert [p.class_id for p in prompts] == [0, 1, 2]


def test_scribble_sampling_fraction():
    # 20 % rounded half up, at least one pixel per scribble.
    assert [num_sampled(n, 0.2) for n in (1, 2, 3, 7, 8, 10, 52)] == [
        1, 1, 1, 1, 2, 2, 10]
    line = group(1, *[[x, 3] for x in range(50)])
    short = group(2, [0, 0], [1, 0])
    sampled = sample_scribbles([line, short], 0.2, image_rng(0, 'a'))
    assert [len(g.xy) for g in sampled] == [10, 1]
    assert [g.class_id for g in sampled] == [1, 2]
    # Sampled without replacement from the scribble's own pixels.
    xs = sampled[0].xy[:, 0]
    assert len(set(xs.tolist())) == 10 and set(xs.tolist()) <= set(range(50))
    assert (sampled[0].xy[:, 1] == 3).all()
    assert sample_scribbles([line], 1.0, image_rng(0, 'a'))[0] is line


def test_scribble_sampling_is_seeded_per_image():
    line = [group(1, *[[x, 3] for x in range(100)])]

    def sample(seed, stem):
        return sample_scribbles(line, 0.2, image_rng(seed, stem))[0].xy

    np.testing.assert_array_equal(sample(0, 'img1'), sample(0, 'img1'))
    assert not np.array_equal(sample(0, 'img1'), sample(0, 'img2'))
    assert not np.array_equal(sample(0, 'img1'), sample(1, 'img1'))


def test_iterative_rounds_accumulate_positive_points():
    assert iterative_counts(5, 1) == [1, 2, 3, 4, 5]
    assert iterative_counts(5, 2) == [2, 4, 5]
    assert iterative_counts(2, 4) == [2]
    with pytest.raises(ValueError, match='points_per_round'):
        iterative_counts(3, 0)


def test_mask_choice_picks_the_requested_output():
    masks = torch.zeros(2, 3, 1, 1, dtype=torch.bool)
    masks[0, 2] = True
    masks[1, 0] = True
    iou = torch.tensor([[0.1, 0.9, 0.5], [0.7, 0.2, 0.3]])
    low_res = torch.arange(6.).view(2, 3, 1, 1)
    kept, scores, logits = select_masks(masks, iou, low_res, 2)
    assert kept.flatten().tolist() == [True, False]
    assert scores.tolist() == pytest.approx([0.5, 0.3])
    assert logits.flatten().tolist() == [2, 5] and logits.shape == (2, 1, 1,
                                                                    1)
    _, scores, logits = select_masks(masks, iou, low_res, 'best')
    assert scores.tolist() == pytest.approx([0.9, 0.7])
    assert logits.flatten().tolist() == [1, 3]
    _, scores, _ = select_masks(masks[:, :1], iou[:, :1], low_res[:, :1],
                                'single')
    assert scores.tolist() == pytest.approx([0.1, 0.7])
    assert check_mask_choice('2') == 2
    with pytest.raises(ValueError, match='mask_choice'):
        check_mask_choice(3)


def test_box_coordinates_after_sams_resize_by_hand():
    from segment_anything.utils.transforms import ResizeLongestSide

    # A VOC box on a 375x500 image, as SAM (1024 long side) sees it.
    xml = ('<annotation><size><width>500</width><height>375</height></size>'
           '<object><name>cat</name><bndbox><xmin>48</xmin><ymin>240</ymin>'
           '<xmax>195</xmax><ymax>371</ymax></bndbox></object></annotation>')
    prompts = parse_voc_xml(xml, ClassIndex(['background', 'cat']))
    boxes = sam_boxes(prompts.boxes, (375, 500), ResizeLongestSide(1024),
                      'cpu')
    # Edges [47, 239, 195, 371]; scale 1024/500 = 2.048 on x; the height
    # becomes int(375 * 2.048 + 0.5) = 768, so 768/375 = 2.048 on y.
    torch.testing.assert_close(
        boxes, torch.tensor([[96.256, 489.472, 399.36, 759.808]]))
    # 40x56 image, 64 long side: x * 64/56, y * 46/40 (46 = int(45.71+.5)).
    boxes = sam_boxes(np.array([[7, 5, 21, 30]]), (40, 56),
                      ResizeLongestSide(64), 'cpu')
    torch.testing.assert_close(boxes, torch.tensor([[8.0, 5.75, 24.0, 34.5]]))
    coords, labels = sam_points(
        np.array([[14, 8]]), np.array([1]), (40, 56), ResizeLongestSide(64),
        'cpu')
    torch.testing.assert_close(coords, torch.tensor([[[16.0, 9.2]]]))
    assert labels.tolist() == [[1]] and labels.dtype == torch.int
