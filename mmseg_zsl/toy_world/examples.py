"""Per-class single-object example images cut from a toy world.

U-SAM-style annotators learn classes from a folder of single-object images
per class (``examples/<class name>/*.png``); here they are crops of nearly
unoccluded objects of the world pasted on a plain background.
"""
import glob
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from PIL import Image

from .io import read_label_png, write_png
from .shapes import SHAPE_NAMES


def crop_object(image: np.ndarray,
                visible: np.ndarray,
                size: int = 64,
                margin: float = 0.25,
                background: Sequence[int] = (128, 128, 128)) -> np.ndarray:
    """One object on a plain background, square-cropped and resized.

    Args:
        image (np.ndarray): RGB uint8 image (H, W, 3).
        visible (np.ndarray): bool (H, W) mask of the object's pixels.
        size (int): side of the output image. Defaults to 64.
        margin (float): border around the object's box, as a fraction of
            the box's longer side (at least 2 pixels). Defaults to 0.25.
        background (Sequence[int]): RGB fill outside the object.
            Defaults to (128, 128, 128).

    Returns:
        np.ndarray: RGB uint8 (size, size, 3).
    """
    rows, cols = np.nonzero(visible)
    if rows.size == 0:
        raise ValueError('crop_object needs a non-empty object mask.')
    y0, y1 = rows.min(), rows.max() + 1
    x0, x1 = cols.min(), cols.max() + 1
    side = max(y1 - y0, x1 - x0)
    side += 2 * max(2, int(round(margin * side)))
    # square window centred on the box; parts outside the image are filled
    top = (y0 + y1 - side) // 2
    left = (x0 + x1 - side) // 2
    canvas = np.empty((side, side, 3), np.uint8)
    canvas[:] = np.asarray(background, np.uint8)
    h, w = visible.shape
    sy0, sy1 = max(top, 0), min(top + side, h)
    sx0, sx1 = max(left, 0), min(left + side, w)
    window = visible[sy0:sy1, sx0:sx1]
    target = canvas[sy0 - top:sy1 - top, sx0 - left:sx1 - left]
    target[window] = image[sy0:sy1, sx0:sx1][window]
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(canvas, (size, size), interpolation=interp)


def _inside(bbox: Sequence[int], width: int, height: int) -> bool:
    """Whether a box (x1, y1 exclusive) keeps off the image border."""
    x0, y0, x1, y1 = bbox
    return x0 > 0 and y0 > 0 and x1 < width and y1 < height


def cut_class_examples(world_dir: str,
                       per_class: int,
                       out_dir: Optional[str] = None,
                       split: str = 'train',
                       min_area: int = 60,
                       min_visible: float = 0.95,
                       size: int = 64,
                       margin: float = 0.25,
                       background: Sequence[int] = (128, 128, 128)
                       ) -> Dict[str, int]:
    """Write up to ``per_class`` example images per shape class.

    Objects are taken in image order from ``split``; an object qualifies
    when it shows at least ``min_area`` pixels and at least ``min_visible``
    of its unoccluded area, and does not touch the image border (a cut
    circle would not look like a circle). Files are
    ``<out_dir>/<class>/<image id>_<object id>.png``.

    Args:
        world_dir (str): root of a generated world.
        per_class (int): examples wanted per class.
        out_dir (str, optional): destination. Defaults to
            ``<world_dir>/examples``.
        split (str): split the objects come from. Defaults to 'train'.
        min_area (int): minimum visible pixels. Defaults to 60.
        min_visible (float): minimum visible fraction. Defaults to 0.95.
        size (int): side of the example images. Defaults to 64.
        margin (float): see :func:`crop_object`. Defaults to 0.25.
        background (Sequence[int]): see :func:`crop_object`.
            Defaults to (128, 128, 128).

    Returns:
        dict[str, int]: examples written per class (fewer than
        ``per_class`` when the split has too few qualifying objects).
    """
    out_dir = out_dir or osp.join(world_dir, 'examples')
    records = sorted(glob.glob(osp.join(world_dir, 'instances', '*.json')))
    if not records:
        raise FileNotFoundError(f'No instances/*.json under {world_dir}; '
                                'generate the world first.')
    counts = {name: 0 for name in SHAPE_NAMES}
    for path in records:
        if all(c >= per_class for c in counts.values()):
            break
        with open(path) as f:
            info = json.load(f)
        if info['split'] != split:
            continue
        wanted = [
            o for o in info['objects'] if counts[o['class_name']] < per_class
            and o['area'] >= min_area
            and o['area'] >= min_visible * o['full_area']
            and _inside(o['bbox'], info['width'], info['height'])
        ]
        if not wanted:
            continue
        stem = info['id']
        with Image.open(osp.join(world_dir, 'images', f'{stem}.png')) as im:
            image = np.array(im.convert('RGB'))
        instances = read_label_png(
            osp.join(world_dir, 'instances', f'{stem}.png'))
        for obj in wanted:
            name = obj['class_name']
            if counts[name] >= per_class:  # filled by this very image
                continue
            crop = crop_object(image, instances == obj['id'], size, margin,
                               background)
            write_png(
                osp.join(out_dir, name, f'{stem}_{obj["id"]}.png'), crop)
            counts[name] += 1
    return counts
