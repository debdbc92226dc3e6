"""Reading and checking class-index label maps."""
import os.path as osp
from typing import List, Mapping, Optional

import numpy as np


def read_ground_truth(path: str,
                      reduce_zero_label: bool = False,
                      label_map: Optional[Mapping[int, int]] = None
                      ) -> np.ndarray:
    """``(H, W)`` uint8 class indices, as mmseg's ``LoadAnnotations``.

    Decoded with pillow ('unchanged', so palette PNGs give their indices);
    ``reduce_zero_label`` maps 0 to 255 and lowers the others by one; then
    ``label_map`` (a dataset's custom classes) maps old to new indices.
    """
    import mmcv
    if not osp.isfile(path):
        raise FileNotFoundError(f'Ground-truth file {path!r} does not exist.')
    with open(path, 'rb') as file:
        content = file.read()
    label = mmcv.imfrombytes(
        content, flag='unchanged', backend='pillow').squeeze()
    label = label.astype(np.uint8)
    if reduce_zero_label:
        label[label == 0] = 255
        label = label - 1
        label[label == 254] = 255
    if label_map:
        original = label.copy()  # so that a map like {1: 2, 2: 3} is one step
        for old, new in label_map.items():
            label[original == old] = new
    return label


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
