"""ZeroShotAnnotator on a tiny SAM and a tiny CLIP."""
import numpy as np
import torch

from mmseg_zsl.annotation import (ClassVocabulary, GEMDenseCLIP,
                                  SamMaskGenerator, ZeroShotAnnotator,
                                  clip_input_size, preprocess_for_clip,
                                  sam_pooling)


def make_annotator(tiny_sam, tiny_clip, **kwargs):
    generator = SamMaskGenerator(
        tiny_sam, points_per_side=4, pred_iou_thresh=0,
        stability_score_thresh=0)
    return ZeroShotAnnotator(
        generator, GEMDenseCLIP.from_open_clip(tiny_clip, gem_depth=3),
        **kwargs)


def test_annotate_pools_gem_features_in_sam_masks(tiny_sam, tiny_clip,
                                                  rgb_image):
    annotator = make_annotator(tiny_sam, tiny_clip, image_size=64)
    result = annotator.annotate(rgb_image)
    record = result.record
    assert record.image_size == (40, 56)
    assert record.embeddings.dtype == np.float16
    assert record.embeddings.shape == (record.num_masks, 16)
    np.testing.assert_array_equal(result.masks, record.decode_masks())
    inputs = preprocess_for_clip(rgb_image, (64, 64))
    features = annotator.clip.encode_dense(inputs)[0]
    expected = sam_pooling(result.masks, features).numpy().astype(np.float16)
    np.testing.assert_array_equal(record.embeddings, expected)
    assert set(record.fields) == {'predicted_iou', 'stability_score'}


def test_call_gives_a_label_map_of_the_image_size(tiny_sam, tiny_clip,
                                                  rgb_image):
    vocab = ClassVocabulary.build(['background', 'red thing', 'green thing'])
    annotator = make_annotator(
        tiny_sam, tiny_clip, vocabulary=vocab, threshold=-1.0,
        unassigned_label=255, image_size=64)
    label_map = annotator(rgb_image)
    assert label_map.shape == (40, 56) and label_map.dtype == np.uint8
    # threshold -1: every mask is assigned to class 1 or 2.
    assert set(np.unique(label_map)) <= {1, 2, 255}
    assert set(np.unique(label_map)) & {1, 2}


def test_clip_input_sizes():
    assert clip_input_size(375, 500, 448, 'square', (16, 16)) == (448, 448)
    # short side 448, long side 500 * 448 / 375 = 597.3 -> 592 (37 patches)
    size = clip_input_size(375, 500, 448, 'keep_ratio', (16, 16))
    assert size == (448, 592)
    assert clip_input_size(10, 10, 448, 'keep_ratio', (14, 14)) == (448, 448)


def test_preprocess_normalises_with_clip_mean_std():
    image = np.full((2, 2, 3), 255, dtype=np.uint8)
    out = preprocess_for_clip(image, (2, 2))
    expected = (1 - torch.tensor([0.48145466, 0.4578275, 0.40821073])) \
        / torch.tensor([0.26862954, 0.26130258, 0.27577711])
    torch.testing.assert_close(out[0, :, 0, 0], expected)
