"""Folders of random images for end-to-end annotation tests."""
import os
import os.path as osp

import cv2
import numpy as np


def write_noise_images(folder: str, count: int, shape=(40, 56, 3), seed=0,
                       pattern: str = 'img{}.png') -> str:
    """Write ``count`` uniform-noise images named ``pattern.format(i)`` into
    ``folder`` (created), from ``seed``; returns the folder."""
    folder = str(folder)
    os.makedirs(folder)
    rng = np.random.default_rng(seed)
    for index in range(count):
        assert cv2.imwrite(osp.join(folder, pattern.format(index)),
                           rng.integers(0, 255, shape, dtype=np.uint8))
    return folder
