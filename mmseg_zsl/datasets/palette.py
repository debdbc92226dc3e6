"""Colour palettes for class-index label maps."""
from typing import List


def voc_color_palette(num_classes: int) -> List[List[int]]:
    """PASCAL VOC's colour map, extended to any number of classes.

    Class 0 is black and the first 21 colours are exactly VOC's palette; the
    bit-interleaving rule gives distinct colours for up to 256 classes, so
    COCO's 81 classes get a palette consistent with PASCAL's.

    Args:
        num_classes (int): Number of colours (at most 256).

    Returns:
        list[list[int]]: ``num_classes`` RGB triples.
    """
    if not 0 < num_classes <= 256:
        raise ValueError(
            f'num_classes must be in [1, 256], got {num_classes}.')
    palette = []
    for index in range(num_classes):
        rgb = [0, 0, 0]
        code = index
        for shift in range(7, -1, -1):
            for channel in range(3):
                rgb[channel] |= ((code >> channel) & 1) << shift
            code >>= 3
        palette.append(rgb)
    return palette
