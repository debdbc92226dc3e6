"""The PASCAL VOC colour map, for class-index label maps of any dataset."""
import numpy as np

_MAX_CLASSES = 256


def voc_palette(num_classes: int) -> np.ndarray:
    """PASCAL VOC's colour map, extended to any number of classes.

    Class 0 is black and the first 21 colours are exactly VOC's (mmseg's
    ``PascalVOCDataset`` palette); the same bit-interleaving rule gives
    distinct colours for up to 256 classes, so COCO's 81 classes get a
    palette consistent with PASCAL's.

    Args:
        num_classes (int): Number of colours, 1 to 256.

    Returns:
        np.ndarray: ``(num_classes, 3)`` uint8 RGB colours.
    """
    if not 0 < num_classes <= _MAX_CLASSES:
        raise ValueError(f'num_classes must be in [1, {_MAX_CLASSES}] for '
                         f'class-index PNGs, got {num_classes}.')
    palette = np.zeros((num_classes, 3), dtype=np.uint8)
    for index in range(num_classes):
        code, rgb = index, [0, 0, 0]
        # Spread the index bits over the high bits of R, G and B in turn.
        for bit in range(8):
            for channel in range(3):
                rgb[channel] |= ((code >> channel) & 1) << (7 - bit)
            code >>= 3
        palette[index] = rgb
    return palette
