"""The source world: the toy world's "ImageNet", for pretraining backbones.

The paper's models start from ImageNet weights: a large, varied, image-level
labelled dataset that contains the target's classes among many others
(ImageNet has dogs and cats; PASCAL's dogs and cats are other photos). The
source world plays that part for the toy world. It is drawn by the same
generator with

- 12 classes: the target's 5 shapes and 7 others (:data:`EXTRA_SHAPE_NAMES`);
- more looks: two more object and background textures (checker, dots), flat
  backgrounds, and HSV colours instead of the RGB cube;
- 1-5 objects per image;
- its own random streams (:data:`SOURCE_STREAMS`), disjoint from the target
  world's, so no source image is an image of the target's train or val sets.

Images are made in memory (4,500 take about 30 s); nothing is written.
"""
from typing import Tuple

import numpy as np

from .generator import ToyWorldGenerator
from .shapes import (BACKGROUND_TEXTURES, EXTRA_SHAPE_NAMES, EXTRA_TEXTURES,
                     SHAPE_NAMES, TEXTURES)

#: Object classes of the source world (indices 1..12 in its masks).
SOURCE_SHAPE_NAMES = SHAPE_NAMES + EXTRA_SHAPE_NAMES
#: Generator options of the source world (see :class:`ToyWorldGenerator`).
SOURCE_GENERATOR = dict(
    shape_names=SOURCE_SHAPE_NAMES,
    textures=TEXTURES + EXTRA_TEXTURES,
    background_textures=BACKGROUND_TEXTURES + EXTRA_TEXTURES + ('flat', ),
    colours='hsv',
    num_objects=(1, 5))
#: Random streams of the source splits. The target world seeds image i of a
#: split with ``[seed, stream, i]`` and streams 0-2; these never meet them.
SOURCE_STREAMS = dict(train=10, val=11)


def source_generator() -> ToyWorldGenerator:
    """The generator of the source world."""
    return ToyWorldGenerator(**SOURCE_GENERATOR)


def make_source_images(num: int, split: str,
                       seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Render ``num`` images of a source split.

    Image i is drawn with ``np.random.default_rng([seed, stream, i])``, so it
    does not depend on ``num``.

    Args:
        num (int): Number of images.
        split (str): 'train' or 'val' (see :data:`SOURCE_STREAMS`).
        seed (int): Seed of the source world.

    Returns:
        tuple[np.ndarray, np.ndarray]: RGB images (N, H, W, 3) uint8 and
        class masks (N, H, W) uint8 (0 background, 1..12
        :data:`SOURCE_SHAPE_NAMES`).
    """
    if split not in SOURCE_STREAMS:
        raise ValueError(f'split must be one of {list(SOURCE_STREAMS)}, got '
                         f'{split!r}.')
    generator = source_generator()
    size = generator.image_size
    images = np.empty((num, size, size, 3), np.uint8)
    masks = np.empty((num, size, size), np.uint8)
    for i in range(num):
        sample = generator.sample(
            np.random.default_rng([seed, SOURCE_STREAMS[split], i]))
        images[i], masks[i] = sample.image, sample.mask
    return images, masks
