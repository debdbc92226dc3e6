"""numpy <-> PIL conversions for the photometric transforms.

mmcv loads images as BGR uint8 arrays; UniMatch's strong augmentation works
on RGB PIL images (torchvision's ColorJitter, PIL's GaussianBlur), which
these helpers bridge so the results match it exactly.
"""
import numpy as np
from PIL import Image

COLOR_FORMATS = ('bgr', 'rgb')


def check_color_format(color_format: str) -> str:
    """Return ``color_format`` if it is supported, else raise ValueError."""
    if color_format not in COLOR_FORMATS:
        raise ValueError(f'color_format must be one of {COLOR_FORMATS}, '
                         f'got {color_format!r}.')
    return color_format


def to_pil(img: np.ndarray, color_format: str) -> Image.Image:
    """An (H, W, 3) uint8 array in ``color_format`` as an RGB PIL image."""
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError('expected an (H, W, 3) uint8 image, got '
                         f'{img.shape} {img.dtype}.')
    if color_format == 'bgr':
        img = img[..., ::-1]
    return Image.fromarray(np.ascontiguousarray(img))


def from_pil(pil: Image.Image, color_format: str) -> np.ndarray:
    """An RGB PIL image as an (H, W, 3) uint8 array in ``color_format``."""
    img = np.asarray(pil.convert('RGB'))
    if color_format == 'bgr':
        img = img[..., ::-1]
    return np.ascontiguousarray(img)
