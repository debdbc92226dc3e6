"""Tiny on-disk datasets for the report tests."""
import os

import numpy as np
from PIL import Image

# The 4x4 example shared with test_report.py. Classes 0-2, 255 = ignore.
GT = np.array([[0, 0, 1, 1],
               [0, 0, 1, 1],
               [2, 2, 1, 1],
               [2, 2, 255, 255]], dtype=np.uint8)
PRED = np.array([[0, 1, 1, 1],
                 [0, 0, 1, 255],
                 [2, 0, 1, 1],
                 [2, 2, 2, 0]], dtype=np.uint8)


def write_item(root, stem, image, pseudo, gt=None, ext='.jpg'):
    """Write ``img/<stem><ext>``, ``pseudo/<stem>.png`` and ``gt/<stem>.png``.

    Images are saved losslessly as PNG unless ``ext`` is '.jpg'.
    """
    for sub in ('img', 'pseudo', 'gt'):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    Image.fromarray(image).save(os.path.join(root, 'img', stem + ext))
    Image.fromarray(pseudo).save(os.path.join(root, 'pseudo', stem + '.png'))
    if gt is not None:
        Image.fromarray(gt).save(os.path.join(root, 'gt', stem + '.png'))


def blank_image(height, width, colour=(90, 60, 30)):
    return np.full((height, width, 3), colour, dtype=np.uint8)


def dirs(root):
    return tuple(
        os.path.join(str(root), sub) for sub in ('pseudo', 'img', 'gt'))
