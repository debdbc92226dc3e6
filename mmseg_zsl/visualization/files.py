"""Find and read the images, pseudo labels and ground truth of a report.

Files are matched by stem: ``<stem>.png`` in the label directories and
``<stem>.<ext>`` with a common image extension in the image directory, the
convention ``tools/annotate.py`` writes pseudo labels with.
"""
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageOps

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')
LABEL_EXTENSION = '.png'
# How many example names an error message lists.
_EXAMPLES = 3
# EXIF orientations 5-8 rotate by 90 degrees. mmseg's default loader (cv2)
# applies the EXIF orientation, so labels have the rotated size.
_EXIF_ORIENTATION = 0x0112
_EXIF_TRANSPOSED = (5, 6, 7, 8)


@dataclass
class MatchedFiles:
    """Paths of every stem found in all the given directories.

    Args:
        stems (list[str]): Sorted stems present everywhere.
        pseudo (dict[str, str]): Stem to pseudo-label path.
        images (dict[str, str]): Stem to image path.
        gt (dict[str, str], optional): Stem to ground-truth path, or None
            when no ground truth was given.
        pseudo_without_image (int): Pseudo labels with no image.
        pseudo_without_gt (int): Pseudo labels with an image but no ground
            truth (always 0 without ground truth).
    """
    stems: List[str]
    pseudo: Dict[str, str]
    images: Dict[str, str]
    gt: Optional[Dict[str, str]] = None
    pseudo_without_image: int = 0
    pseudo_without_gt: int = field(default=0)


def _require_dir(path: str, what: str) -> None:
    if not os.path.isdir(path):
        raise FileNotFoundError(
            f'The {what} directory {path!r} does not exist (or is not a '
            'directory). Check the path.')


def _files_by_stem(directory: str,
                   extensions: Tuple[str, ...]) -> Dict[str, str]:
    """Map stem to path for the files of ``directory`` (not recursive)."""
    by_stem: Dict[str, str] = {}
    for name in sorted(os.listdir(directory)):
        stem, ext = os.path.splitext(name)
        path = os.path.join(directory, name)
        if ext.lower() not in extensions or not os.path.isfile(path):
            continue
        if stem in by_stem:
            raise ValueError(
                f'Two files in {directory!r} share the stem {stem!r}: '
                f'{os.path.basename(by_stem[stem])!r} and {name!r}. Files '
                'are matched by stem, so keep only one of them.')
        by_stem[stem] = path
    return by_stem


def match_files(pseudo_dir: str,
                img_dir: str,
                gt_dir: Optional[str] = None) -> MatchedFiles:
    """Match pseudo labels, images and ground truth by stem.

    Args:
        pseudo_dir (str): Directory of ``<stem>.png`` pseudo labels.
        img_dir (str): Directory of the images.
        gt_dir (str, optional): Directory of ``<stem>.png`` ground truth.
            Defaults to None.

    Returns:
        MatchedFiles: The stems found everywhere and their paths.
    """
    _require_dir(pseudo_dir, 'pseudo-label')
    _require_dir(img_dir, 'image')
    if gt_dir is not None:
        _require_dir(gt_dir, 'ground-truth')
    pseudo = _files_by_stem(pseudo_dir, (LABEL_EXTENSION, ))
    images = _files_by_stem(img_dir, IMAGE_EXTENSIONS)
    gt = _files_by_stem(gt_dir, (LABEL_EXTENSION, )) if gt_dir else None
    with_image = [stem for stem in sorted(pseudo) if stem in images]
    stems = [s for s in with_image if gt is None or s in gt]
    if not stems:
        listing = [('pseudo labels', pseudo_dir, pseudo),
                   ('images', img_dir, images)]
        if gt is not None:
            listing.append(('ground truth', gt_dir, gt))
        found = '; '.join(
            f'{len(files)} {what} in {path!r} (e.g. '
            f'{sorted(files)[:_EXAMPLES]})' for what, path, files in listing)
        raise ValueError(
            f'No stem is present in every directory: {found}. Pseudo labels '
            'and ground truth must be <stem>.png and images <stem>.<ext> '
            f'with ext in {IMAGE_EXTENSIONS}; check that the directories '
            'belong together.')
    return MatchedFiles(
        stems=stems,
        pseudo=pseudo,
        images=images,
        gt=gt,
        pseudo_without_image=len(pseudo) - len(with_image),
        pseudo_without_gt=len(with_image) - len(stems))


def read_label(path: str) -> np.ndarray:
    """Read a single-channel class-index PNG (palette PNGs give indices).

    Args:
        path (str): Label file.

    Returns:
        np.ndarray: ``(H, W)`` integer class indices.
    """
    with Image.open(path) as label:
        if label.mode not in ('P', 'L', 'I', 'I;16', 'I;16B', 'I;16L'):
            raise ValueError(
                f'{path} is a {label.mode} image; labels must be '
                'single-channel class indices (a palette or 8-bit grey PNG). '
                'Convert colour-coded masks to class indices first.')
        return np.asarray(label)


def image_size(path: str) -> Tuple[int, int]:
    """Return ``(height, width)`` as displayed, without decoding pixels."""
    with Image.open(path) as image:
        width, height = image.size
        orientation = image.getexif().get(_EXIF_ORIENTATION)
    if orientation in _EXIF_TRANSPOSED:
        width, height = height, width
    return height, width


def read_image(path: str) -> np.ndarray:
    """Read an image as ``(H, W, 3)`` uint8 RGB, EXIF orientation applied."""
    with Image.open(path) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert('RGB'))
