"""Scribble PNGs -> the prompt JSON format.

A scribble PNG is a single-channel (or palette) PNG of the image's size
whose scribble pixels hold their class index and whose other pixels hold
``unlabeled`` (255 in the common PASCAL scribble releases, e.g. the
ScribbleSup scribbles rendered as ``pascal_2012_scribble/<stem>.png``).
Each connected stroke of a class becomes one scribble.
"""
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from PIL import Image
from tqdm import tqdm

from .prompt_json import write_prompt_entries

CONNECTIVITIES = (4, 8)


def read_index_png(path: str) -> np.ndarray:
    """The raw uint8 indices of a single-channel or palette PNG."""
    with Image.open(path) as image:
        if image.mode not in ('L', 'P'):
            raise ValueError(f'{path}: expected a single-channel or palette '
                             f'PNG of class indices, got mode '
                             f'{image.mode!r}.')
        return np.array(image, dtype=np.uint8)


def scribbles_from_label_map(label_map: np.ndarray,
                             class_names: Optional[Sequence[str]] = None,
                             unlabeled: int = 255,
                             connectivity: int = 8,
                             min_pixels: int = 1,
                             where: str = 'scribble map') -> List[Dict]:
    """Scribbles (``{"class", "xy"}``) of one scribble label map.

    Args:
        label_map (np.ndarray): ``(H, W)`` class indices, ``unlabeled``
            elsewhere.
        class_names (Sequence[str], optional): Names of the indices; without
            them the integer ids are written.
        unlabeled (int): Value of pixels without a scribble. Defaults to 255.
        connectivity (int): 4 or 8: which pixels form one stroke.
            Defaults to 8.
        min_pixels (int): Strokes with fewer pixels are dropped.
            Defaults to 1.
        where (str): Name used in error messages.

    Returns:
        list[dict]: Scribbles by class index, then stroke (raster order of
        the first pixel); each lists its pixels in raster order.
    """
    import cv2
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f'connectivity must be one of {CONNECTIVITIES}, '
                         f'got {connectivity}.')
    label_map = np.asarray(label_map)
    if label_map.ndim != 2:
        raise ValueError(f'{where}: expected an (H, W) map of class '
                         f'indices, got shape {label_map.shape}.')
    scribbles = []
    for value in np.unique(label_map):
        if value == unlabeled:
            continue
        if class_names is not None and value >= len(class_names):
            raise ValueError(
                f'{where}: class index {int(value)} is not in the class '
                f'list ({len(class_names)} classes {list(class_names)}); '
                'pass --unlabeled if it marks pixels without scribbles.')
        name: Any = int(value) if class_names is None \
            else class_names[int(value)]
        count, components = cv2.connectedComponents(
            (label_map == value).astype(np.uint8), connectivity=connectivity)
        for index in range(1, count):
            ys, xs = np.nonzero(components == index)
            if len(xs) >= min_pixels:
                scribbles.append({
                    'class': name,
                    'xy': np.stack([xs, ys], axis=1).tolist()
                })
    return scribbles


def convert_scribble_pngs(png_dir: str,
                          out: str,
                          class_names: Optional[Sequence[str]] = None,
                          unlabeled: int = 255,
                          connectivity: int = 8,
                          min_pixels: int = 1,
                          progress: bool = True) -> Dict[str, int]:
    """Convert a folder of scribble PNGs to the prompt JSON format.

    Args:
        png_dir (str): Folder of ``<image stem>.png`` scribble maps.
        out (str): Output folder of ``<stem>.json``, or one ``.json`` file.
        class_names, unlabeled, connectivity, min_pixels: See
            :func:`scribbles_from_label_map`.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: ``num_images``, ``num_scribbles``, ``num_pixels``.
    """
    if not osp.isdir(png_dir):
        raise FileNotFoundError(f'Scribble folder {png_dir!r} does not '
                                'exist; expected <image stem>.png files.')
    names = sorted(n for n in os.listdir(png_dir)
                   if n.lower().endswith('.png') and not n.startswith('.'))
    if not names:
        raise ValueError(f'No .png scribble maps in {png_dir!r}.')
    entries = {}
    num_scribbles = num_pixels = 0
    for name in tqdm(names, desc='scribbles', unit='img', file=sys.stderr,
                     disable=not progress):
        path = osp.join(png_dir, name)
        label_map = read_index_png(path)
        scribbles = scribbles_from_label_map(label_map, class_names,
                                             unlabeled, connectivity,
                                             min_pixels, path)
        entries[osp.splitext(name)[0]] = dict(
            height=int(label_map.shape[0]),
            width=int(label_map.shape[1]),
            scribbles=scribbles)
        num_scribbles += len(scribbles)
        num_pixels += sum(len(s['xy']) for s in scribbles)
    write_prompt_entries(out, entries)
    return dict(
        num_images=len(entries),
        num_scribbles=num_scribbles,
        num_pixels=num_pixels)
