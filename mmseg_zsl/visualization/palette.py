"""Colours for class-index label maps.

The default palette is the PASCAL VOC colour map (the bit-interleaving rule
that also gives mmseg's ``PascalVOCDataset`` palette), extended by the same
rule to any number of classes up to 256. Every channel of its first 512
colours is a multiple of 32, so the white / mid-grey stripes used for the
ignore index never coincide with a class colour.
"""
import os
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from mmseg_zsl.utils.palette import voc_palette

# Ignore / unassigned pixels are drawn as diagonal stripes of these two
# colours; neither is a multiple of 32, hence never a VOC colour-map colour.
IGNORE_LIGHT: Tuple[int, int, int] = (255, 255, 255)
IGNORE_DARK: Tuple[int, int, int] = (150, 150, 150)
# Stripes are this fraction of the longer image side wide, so they stay
# visible after the image is scaled into a sheet panel.
_STRIPE_FRACTION = 1 / 60


def load_palette(path: str) -> np.ndarray:
    """Read a palette file: one ``R G B`` (or ``R,G,B``) colour per line.

    Args:
        path (str): Text file; line ``i`` is the colour of class ``i``.

    Returns:
        np.ndarray: ``(N, 3)`` uint8 colours.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'Palette file {path!r} does not exist. Pass '
                                'a text file with one "R G B" per line.')
    colours = []
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            values = line.replace(',', ' ').split()
            try:
                rgb = [int(v) for v in values]
            except ValueError:
                rgb = []
            if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
                raise ValueError(
                    f'{path}:{line_no}: expected three integers 0-255 '
                    f'("R G B"), got {line.strip()!r}.')
            colours.append(rgb)
    if not colours:
        raise ValueError(f'Palette file {path!r} holds no colours.')
    return np.asarray(colours, dtype=np.uint8)


def resolve_palette(palette: Union[None, str, Sequence[Sequence[int]],
                                   np.ndarray],
                    num_classes: int) -> np.ndarray:
    """Turn a palette argument into ``(num_classes, 3)`` uint8 colours.

    Args:
        palette (None | str | sequence | np.ndarray): ``None`` or ``'voc'``
            for the VOC colour map, a path to a palette file, or explicit
            RGB colours.
        num_classes (int): Number of classes that need a colour.

    Returns:
        np.ndarray: ``(num_classes, 3)`` uint8 colours.
    """
    if palette is None or (isinstance(palette, str) and palette == 'voc'):
        return voc_palette(num_classes)
    if isinstance(palette, str):
        colours = load_palette(palette)
    else:
        colours = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    if len(colours) < num_classes:
        raise ValueError(
            f'The palette has {len(colours)} colours but there are '
            f'{num_classes} classes. Give one colour per class, or omit '
            'the palette to use the VOC colour map.')
    return colours[:num_classes]


def colorize_label(label: np.ndarray,
                   palette: np.ndarray,
                   ignore_index: Optional[int] = 255) -> np.ndarray:
    """Colour a class-index map; ignore pixels become grey/white stripes.

    Args:
        label (np.ndarray): ``(H, W)`` integer class indices.
        palette (np.ndarray): ``(N, 3)`` uint8 colours; every index other
            than ``ignore_index`` must be below ``N``.
        ignore_index (int, optional): Index drawn as stripes. Defaults to
            255.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB image.
    """
    ignore = (label == ignore_index) if ignore_index is not None else None
    index = np.where(ignore, 0, label) if ignore is not None else label
    assert index.size == 0 or int(index.max()) < len(palette), (
        f'label index {int(index.max())} has no colour in a palette of '
        f'{len(palette)}; callers validate labels first')
    rgb = palette[index]
    if ignore is not None and ignore.any():
        height, width = label.shape
        stripe = max(2, round(max(height, width) * _STRIPE_FRACTION))
        rows, cols = np.ogrid[:height, :width]
        dark = ((rows + cols) // stripe) % 2 == 0
        rgb[ignore & dark] = IGNORE_DARK
        rgb[ignore & ~dark] = IGNORE_LIGHT
    return rgb
