import numpy as np

from mmseg_zsl.utils import values_outside_classes


def test_values_outside_classes_by_hand():
    label = np.array([[0, 4, 255], [7, 5, 1]], np.uint8)
    assert values_outside_classes(label, 5) == [5, 7]
    assert values_outside_classes(label, 8) == []
    assert values_outside_classes(label, 5, ignore_index=7) == [5, 255]
    assert values_outside_classes(np.zeros((0, 3), np.uint8), 2) == []
