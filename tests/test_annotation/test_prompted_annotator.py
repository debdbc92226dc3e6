"""Box and point/scribble annotators on a small SAM (real classes, random
weights): which prompts reach SAM, which output is kept, what is cached.

With random weights the masks are meaningless; these tests check structure.
"""
import json

import numpy as np
import pytest
import torch

from mmseg_zsl.annotation.prompted.annotator import (BoxPromptAnnotator,
                                                     PointPromptAnnotator)
from mmseg_zsl.annotation.prompted.labeler import PromptedLabeler
from mmseg_zsl.annotation.prompted.prompt_sources import (ClassIndex,
                                                          MissingPromptsError,
                                                          PromptJSONSource,
                                                          VOCXMLSource)
from mmseg_zsl.annotation.sam import TINY_SAM_CFG, build_tiny_sam

CLASSES = ['background', 'cat', 'car']
#: SAM's classes at 64 px input (a 4x4 embedding): fast on a CPU.
MICRO_SAM = dict(TINY_SAM_CFG, img_size=64, window_size=4)
IMAGE_SIZE = (40, 56)
ENTRY = {
    'boxes': [{'class': 'cat', 'box': [7, 5, 21, 30]},
              {'class': 'car', 'box': [28, 0, 56, 40]},
              {'class': 'cat', 'box': [0, 10, 7, 15]}],
    'points': [{'class': 'cat', 'xy': [[14, 8]]},
               {'class': 'background', 'xy': [[49, 3]]},
               {'class': 'car', 'xy': [[35, 20], [42, 30]]}],
    'scribbles': [{'class': 'cat', 'xy': [[x, 12] for x in range(5, 25)]},
                  {'class': 'car', 'xy': [[40, y] for y in range(8, 18)]}],
}


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    # Tiny models run far faster without thread contention on shared CPUs.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def micro_sam():
    torch.manual_seed(0)
    return build_tiny_sam(**MICRO_SAM)


@pytest.fixture
def image():
    return np.random.default_rng(0).integers(
        0, 255, size=(*IMAGE_SIZE, 3), dtype=np.uint8)


@pytest.fixture
def source(tmp_path):
    (tmp_path / 'img.json').write_text(
        json.dumps(dict(ENTRY, height=40, width=56)))
    (tmp_path / 'empty.json').write_text('{}')
    return PromptJSONSource(str(tmp_path), ClassIndex(CLASSES))


def spy(annotator):
    """Record every predict_torch call's arguments and outputs."""
    calls = []
    original = annotator.predictor.predict_torch

    def recording(*args, **kwargs):
        outputs = original(*args, **kwargs)
        calls.append(dict(kwargs, outputs=outputs))
        return outputs

    annotator.predictor.predict_torch = recording
    return calls


def test_boxes_are_batched_per_image_in_sams_frame(micro_sam, source, image):
    annotator = BoxPromptAnnotator(micro_sam, source, boxes_per_batch=2)
    calls = spy(annotator)
    result = annotator.annotate(image, '/data/img.jpg')
    assert len(calls) == 2  # 3 boxes in batches of 2
    # 40x56 -> 46x64 (long side 64): x * 64/56, y * 46/40, by hand.
    torch.testing.assert_close(
        torch.cat([c['boxes'] for c in calls]),
        torch.tensor([[8.0, 5.75, 24.0, 34.5], [32.0, 0.0, 64.0, 46.0],
                      [0.0, 11.5, 8.0, 17.25]]))
    assert all(c['point_coords'] is None for c in calls)  # no points
    assert all(c['multimask_output'] for c in calls)
    record = result.record
    assert record.num_masks == 3 and result.masks.shape == (3, *IMAGE_SIZE)
    assert record.fields['class_id'].tolist() == [1, 2, 1]
    # The third output (index 2) of each box is kept, with its IoU.
    masks = torch.cat([c['outputs'][0][:, 2] for c in calls]).numpy()
    np.testing.assert_array_equal(result.masks, masks)
    np.testing.assert_array_equal(record.decode_masks(), masks)
    iou = torch.cat([c['outputs'][1][:, 2] for c in calls]).numpy()
    np.testing.assert_allclose(record.fields['predicted_iou'], iou)


@pytest.mark.parametrize('choice', [0, 'best', 'single'])
def test_mask_choice_option(micro_sam, source, image, choice):
    annotator = BoxPromptAnnotator(micro_sam, source, mask_choice=choice)
    calls = spy(annotator)
    result = annotator.annotate(image, 'img.png')
    masks, iou, _ = calls[0]['outputs']
    assert calls[0]['multimask_output'] == (choice != 'single')
    index = iou.argmax(1) if choice == 'best' else torch.zeros(
        3, dtype=torch.long)
    np.testing.assert_array_equal(result.masks,
                                  masks[torch.arange(3), index].numpy())


def test_points_one_prompt_per_class_with_negatives(micro_sam, source,
                                                    image):
    annotator = PointPromptAnnotator(micro_sam, source, 'points')
    calls = spy(annotator)
    result = annotator.annotate(image, 'img.png')
    # cat and car prompted; background only as negatives.
    assert result.record.fields['class_id'].tolist() == [1, 2]
    scale = torch.tensor([64 / 56, 46 / 40])
    cat, car = calls
    torch.testing.assert_close(
        cat['point_coords'][0],
        torch.tensor([[14., 8], [49, 3], [35, 20], [42, 30]]) * scale)
    assert cat['point_labels'].tolist() == [[1, 0, 0, 0]]
    torch.testing.assert_close(
        car['point_coords'][0],
        torch.tensor([[35., 20], [42, 30], [14, 8], [49, 3]]) * scale)
    assert car['point_labels'].tolist() == [[1, 1, 0, 0]]
    assert cat['mask_input'] is None and car['mask_input'] is None


def test_iterative_input_feeds_back_the_kept_logits(micro_sam, source,
                                                    image):
    annotator = PointPromptAnnotator(
        micro_sam, source, 'points', iterative=True, mask_choice=1)
    calls = spy(annotator)
    result = annotator.annotate(image, 'img.png')
    # cat: 1 round; car: 2 rounds (1 then 2 positives).
    assert [c['point_labels'].tolist() for c in calls] == [
        [[1, 0, 0, 0]], [[1, 0, 0]], [[1, 1, 0, 0]]]
    assert calls[0]['mask_input'] is None and calls[1]['mask_input'] is None
    previous_logits = calls[1]['outputs'][2][:, 1:2]
    torch.testing.assert_close(calls[2]['mask_input'], previous_logits)
    np.testing.assert_array_equal(result.masks[1],
                                  calls[2]['outputs'][0][0, 1].numpy())


def test_scribbles_are_sampled_deterministically(micro_sam, source, image):
    annotator = PointPromptAnnotator(micro_sam, source, 'scribbles')
    calls = spy(annotator)
    first = annotator.annotate(image, 'a/img.png')
    again = annotator.annotate(image, 'b/img.jpg')  # same stem
    # 20 % of 20 cat pixels = 4 positives; 20 % of 10 car pixels = 2.
    assert [c['point_labels'].tolist() for c in calls[:2]] == [
        [[1] * 4 + [0] * 2], [[1] * 2 + [0] * 4]]
    torch.testing.assert_close(calls[0]['point_coords'],
                               calls[2]['point_coords'])
    np.testing.assert_array_equal(first.masks, again.masks)
    cat_points = calls[0]['point_coords'][0, :4] / torch.tensor(
        [64 / 56, 46 / 40])
    torch.testing.assert_close(cat_points[:, 1], torch.full((4, ), 12.))


def test_no_prompts_no_sam_and_all_unassigned(micro_sam, source, image):
    annotator = BoxPromptAnnotator(micro_sam, source)
    calls = spy(annotator)
    result = annotator.annotate(image, 'empty.png')
    assert calls == [] and result.record.num_masks == 0
    label = PromptedLabeler(CLASSES, unassigned_label=255)(result.record)
    assert label.shape == IMAGE_SIZE and (label == 255).all()


def test_labeler_paints_largest_first_from_the_cache(micro_sam, source,
                                                     image):
    result = BoxPromptAnnotator(micro_sam, source).annotate(image, 'img.png')
    record = result.record
    record.fields['class_id'] = np.array([1, 2, 1])
    masks = np.zeros((3, *IMAGE_SIZE), dtype=bool)
    masks[0, :20] = True  # large cat
    masks[1, 10:15, 10:20] = True  # small car on it: wins
    record.rles = record.encode_masks(masks)
    label = PromptedLabeler(CLASSES)(record)
    expected = np.zeros(IMAGE_SIZE, dtype=np.uint8)
    expected[:20] = 1
    expected[10:15, 10:20] = 2
    np.testing.assert_array_equal(label, expected)


def test_errors(micro_sam, source, image, tmp_path):
    annotator = BoxPromptAnnotator(micro_sam, source)
    with pytest.raises(MissingPromptsError, match="'other'"):
        annotator.annotate(image, 'other.png')
    with pytest.raises(ValueError, match='for a 40x56'):
        annotator.annotate(image[:30], 'img.png')
    voc = tmp_path / 'voc'
    voc.mkdir()
    with pytest.raises(ValueError, match='voc-xml files hold.*boxes'):
        PointPromptAnnotator(micro_sam,
                             VOCXMLSource(str(voc), ClassIndex(CLASSES)))
    with pytest.raises(ValueError, match='unassigned_label 0'):
        PromptedLabeler(['cat', 'car'], unassigned_label=0)
