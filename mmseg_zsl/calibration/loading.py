"""Reading the annotation cache and ground truth of the labelled images."""
import sys
from typing import Mapping, Sequence

import numpy as np
from tqdm import tqdm

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.utils import read_ground_truth
from .calibration_data import CalibrationData
from .ground_truth import DEFAULT_IGNORE_INDEX, check_record
from .image_stats import compute_image_stats


def load_calibration_data(stems: Sequence[str],
                          cache_files: Mapping[str, str],
                          gt_files: Mapping[str, str],
                          num_classes: int,
                          ignore_index: int = DEFAULT_IGNORE_INDEX,
                          reduce_zero_label: bool = False,
                          progress: bool = True) -> CalibrationData:
    """Atoms of the labelled images (each cache decoded once).

    Args:
        stems (Sequence[str]): Images to use.
        cache_files (Mapping[str, str]): Stem -> cache ``.npz``.
        gt_files (Mapping[str, str]): Stem -> ground-truth label map.
        num_classes (int): Number of classes.
        ignore_index (int): Ground-truth label left out. Defaults to 255.
        reduce_zero_label (bool): Read ground truth as mmseg does with
            ``reduce_zero_label``. Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.
    """
    images = []
    for stem in tqdm(
            stems,
            desc='calibration data',
            unit='img',
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True):
        record = ImageRecord.from_file(cache_files[stem])
        gt = read_ground_truth(gt_files[stem], reduce_zero_label)
        check_record(record, gt, stem)
        embeddings = np.asarray(record.embeddings)
        images.append(
            compute_image_stats(stem, record.decode_masks(), embeddings, gt,
                                num_classes, ignore_index))
    return CalibrationData(images, num_classes)
