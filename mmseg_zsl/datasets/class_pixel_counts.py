"""How many pixels of each class a dataset's ground truth holds."""
import sys

import numpy as np
from mmengine.dataset import BaseDataset
from tqdm import tqdm

from mmseg_zsl.utils import read_ground_truth


def class_pixel_counts(dataset: BaseDataset,
                       progress: bool = True) -> np.ndarray:
    """Pixels of each class over the ``seg_map_path`` of every sample.

    Each label map is read as mmseg's ``LoadAnnotations`` reads it (the data
    info's ``reduce_zero_label`` and ``label_map``); values that are no
    class index (the ignore index 255) are not counted.

    Args:
        dataset (BaseDataset): A segmentation dataset with ground truth.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        np.ndarray: ``(num_classes,)`` int64 pixel counts, in the order of
        ``dataset.metainfo['classes']``.
    """
    num_classes = len(dataset.metainfo['classes'])
    counts = np.zeros(num_classes, dtype=np.int64)
    # delay: no bar for the few seconds a small labeled set takes
    for index in tqdm(range(len(dataset)), desc='labeled classes', unit='img',
                      disable=not progress, file=sys.stderr, delay=2):
        info = dataset.get_data_info(index)
        label = read_ground_truth(info['seg_map_path'],
                                  bool(info.get('reduce_zero_label')),
                                  info.get('label_map'))
        counts += np.bincount(label.ravel(), minlength=256)[:num_classes]
    return counts
