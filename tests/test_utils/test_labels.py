import cv2
import numpy as np

from mmseg_zsl.utils import read_ground_truth, values_outside_classes


def test_values_outside_classes_by_hand():
    label = np.array([[0, 4, 255], [7, 5, 1]], np.uint8)
    assert values_outside_classes(label, 5) == [5, 7]
    assert values_outside_classes(label, 8) == []
    assert values_outside_classes(label, 5, ignore_index=7) == [5, 255]
    assert values_outside_classes(np.zeros((0, 3), np.uint8), 2) == []


def test_ground_truth_is_read_as_mmseg_loads_it(tmp_path):
    path = str(tmp_path / 'gt.png')
    cv2.imwrite(path, np.array([[0, 1, 2], [3, 255, 1]], np.uint8))
    assert read_ground_truth(path).tolist() == [[0, 1, 2], [3, 255, 1]]
    # 0 -> 255, the others one lower
    assert read_ground_truth(path, reduce_zero_label=True).tolist() == \
        [[255, 0, 1], [2, 255, 0]]
    # then the label map, in one step (0 and 1 swap)
    assert read_ground_truth(path, True, {0: 1, 1: 0}).tolist() == \
        [[255, 1, 0], [2, 255, 1]]
