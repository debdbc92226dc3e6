"""Labelling cached segments: a pure function of the cache and the text."""
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation import (ClassVocabulary, ImageRecord,
                                  ZeroShotLabeler, label_record)


def hand_record():
    masks = np.zeros((3, 2, 3), dtype=bool)
    masks[0] = True  # area 6, embedding along x -> text class 0 (label 1)
    masks[1, :, 2] = True  # area 2, along y -> text class 1 (label 2)
    masks[2, 0, 0] = True  # area 1, cos 0.447 / 0.894 -> text class 1
    embeddings = np.array([[1, 0], [0, 2], [1, 2]], dtype=np.float16)
    return ImageRecord((2, 3), ImageRecord.encode_masks(masks),
                       embeddings), masks


def test_label_record_by_hand():
    record, masks = hand_record()
    texts = torch.eye(2)
    # threshold 0.9: the third segment (0.894) stays unassigned, so the
    # large mask shows through at (0, 0).
    label_map = label_record(record, texts, 0.9, [1, 2], 0)
    np.testing.assert_array_equal(label_map, [[1, 1, 2], [1, 1, 2]])
    # threshold 0.5: it is assigned label 2 and, smallest, wins (0, 0).
    label_map = label_record(record, texts, 0.5, [1, 2], 255)
    np.testing.assert_array_equal(label_map, [[2, 1, 2], [1, 1, 2]])
    # per-class thresholds: class 0 needs > 1.0, so the big mask is
    # unassigned and its pixels get the unassigned label.
    label_map = label_record(record, texts, torch.tensor([1.0, 0.5]),
                             [1, 2], 255, masks)
    np.testing.assert_array_equal(label_map,
                                  [[2, 255, 2], [255, 255, 2]])


def test_labeler_from_vocabulary_maps_text_classes_to_label_ids():
    record, _ = hand_record()
    vocab = ClassVocabulary.build(['background', 'cat', 'dog'],
                                  templates=['{}'])
    table = {'cat': torch.tensor([1.0, 0.0]), 'dog': torch.tensor([0.0, 1.0])}
    labeler = ZeroShotLabeler.from_vocabulary(
        vocab, lambda texts: torch.stack([table[t] for t in texts]),
        {'default': 0.9, 'dog': 0.1}, 0)
    np.testing.assert_array_equal(labeler(record), [[2, 1, 2], [1, 1, 2]])
    settings = labeler.settings()
    assert settings['threshold'] == {'default': 0.9, 'dog': 0.1}
    assert settings['classes'] == ['background', 'cat', 'dog']
    assert settings['unassigned_label'] == 0


def test_unassigned_zero_must_not_be_a_text_class():
    with pytest.raises(ValueError, match='unassigned_label 0'):
        ZeroShotLabeler(torch.eye(2), [0, 1], 0.5, 0)
    with pytest.raises(ValueError, match='0 \\(background\\) or'):
        ZeroShotLabeler(torch.eye(2), [1, 2], 0.5, 7)
