"""Atomic, deterministic file writing shared by the world and simulator."""
import io
import json
import os
import os.path as osp
from typing import Iterable, List, Optional, Sequence

import numpy as np
from PIL import Image

from mmseg_zsl.utils.files import atomic_write_bytes
from .shapes import PALETTE

IGNORE_INDEX = 255
#: Palette PNG colour of the ignore index (white), so 255 stands out.
IGNORE_COLOUR = (255, 255, 255)


def label_palette(palette: Sequence[Sequence[int]] = PALETTE) -> List[int]:
    """A flat 256-entry PIL palette: the class colours, white for 255."""
    flat = [0] * (256 * 3)
    for i, colour in enumerate(palette):
        flat[3 * i:3 * i + 3] = [int(c) for c in colour]
    flat[3 * IGNORE_INDEX:3 * IGNORE_INDEX + 3] = list(IGNORE_COLOUR)
    return flat


def _atomic_write_bytes(path: str, data: bytes) -> None:
    """:func:`atomic_write_bytes`, creating the directory first."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_write_bytes(path, data)


def write_png(path: str,
              array: np.ndarray,
              palette: Optional[List[int]] = None) -> None:
    """Write an RGB (H, W, 3) or single-channel (H, W) uint8 PNG atomically.

    PIL writes no timestamp, so the same array gives the same bytes.

    Args:
        path (str): destination file.
        array (np.ndarray): uint8 image.
        palette (list[int], optional): flat 768-value palette; the PNG is
            then a palette ('P') image whose pixel values are the indices.
            Defaults to None.
    """
    assert array.dtype == np.uint8, f'expected uint8, got {array.dtype}'
    if palette is None:
        img = Image.fromarray(array)
    else:
        assert array.ndim == 2, f'palette PNGs are 2-D, got {array.shape}'
        # frombytes keeps the raw values as palette indices
        img = Image.frombytes('P', array.shape[::-1],
                              np.ascontiguousarray(array).tobytes())
        img.putpalette(palette)
    buf = io.BytesIO()
    img.save(buf, format='PNG')
    _atomic_write_bytes(path, buf.getvalue())


def read_label_png(path: str) -> np.ndarray:
    """Read a single-channel or palette PNG as its raw uint8 indices."""
    with Image.open(path) as img:
        if img.mode not in ('L', 'P'):
            raise ValueError(f'{path}: expected a single-channel or palette '
                             f'PNG of class indices, got mode {img.mode!r}.')
        return np.array(img, dtype=np.uint8)


def write_json(path: str, obj) -> None:
    """Write JSON atomically with a stable layout.

    Top-level keys and list items get a line each; dicts inside lists (e.g.
    the objects of an image) stay on one line.
    """
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(value, list) and value and isinstance(
                    value[0], dict):
                inner = ',\n'.join(f'  {json.dumps(v)}' for v in value)
                items.append(f' {json.dumps(key)}: [\n{inner}\n ]')
            else:
                items.append(f' {json.dumps(key)}: {json.dumps(value)}')
        text = '{\n' + ',\n'.join(items) + '\n}\n'
    else:
        text = json.dumps(obj) + '\n'
    _atomic_write_bytes(path, text.encode('utf-8'))


def write_lines(path: str, lines: Iterable[str]) -> None:
    """Write text lines (each ended by a newline) atomically."""
    _atomic_write_bytes(path, ''.join(f'{x}\n' for x in lines).encode())


def read_split_stems(path: str) -> List[str]:
    """Image stems listed in a split file.

    Accepts UniMatch lines (``images/<id>.png masks/<id>.png``) and mmseg
    ann-file lines (``<id>``); the stem is the image's basename without its
    extension.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Split file {path} does not exist; pass a '
                                'file with one image per line.')
    stems = []
    with open(path) as f:
        for line in f:
            if line.strip():
                first = line.split()[0]
                stems.append(osp.splitext(osp.basename(first))[0])
    return stems
