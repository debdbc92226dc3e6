"""Checks of class-index label maps."""
from typing import List

import numpy as np


def values_outside_classes(label: np.ndarray,
                           num_classes: int,
                           ignore_index: int = 255) -> List[int]:
    """The values of ``label`` that are neither a class index
    (``0..num_classes-1``) nor ``ignore_index``, sorted; cheap when there
    are none (one ``max``)."""
    if label.size == 0 or int(label.max()) < num_classes:
        return []
    values = np.unique(label)
    return values[(values >= num_classes)
                  & (values != ignore_index)].tolist()
