"""Class assignment by cosine similarity (paper Eq. 2)."""
import torch

from mmseg_zsl.annotation import assign_labels


def test_argmax_cosine_and_threshold_by_hand():
    texts = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    segments = torch.tensor([
        [2.0, 0.0],  # cos (1, 0) -> class 0, score 1
        [1.0, 1.0],  # cos (0.7071, 0.7071): tie -> first class, 0.7071
        [-1.0, 0.2],  # cos (-0.981, 0.196) -> class 1 but 0.196 <= 0.5
        [0.6, 0.8],  # cos (0.6, 0.8) -> class 1, 0.8
    ])
    labels, scores = assign_labels(segments, texts, 0.5)
    assert labels.tolist() == [0, 0, -1, 1]
    torch.testing.assert_close(
        scores, torch.tensor([1.0, 0.5**0.5, 0.2 / 1.04**0.5, 0.8]))


def test_threshold_must_be_exceeded_strictly():
    texts = torch.tensor([[1.0, 0.0]])
    segments = torch.tensor([[0.6, 0.8]])  # cos 0.6
    assert assign_labels(segments, texts, 0.6)[0].tolist() == [-1]
    assert assign_labels(segments, texts, 0.59)[0].tolist() == [0]


def test_per_class_thresholds_apply_to_the_argmax_class():
    texts = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    segments = torch.tensor([[0.8, 0.6], [0.6, 0.8]])  # best 0.8 each
    labels, _ = assign_labels(segments, texts, torch.tensor([0.9, 0.7]))
    assert labels.tolist() == [-1, 1]


def test_no_segments_or_no_classes():
    labels, scores = assign_labels(torch.zeros(0, 3), torch.eye(3), 0.1)
    assert labels.shape == scores.shape == (0, )
    labels, _ = assign_labels(torch.ones(2, 3), torch.zeros(0, 3), 0.1)
    assert labels.tolist() == [-1, -1]
