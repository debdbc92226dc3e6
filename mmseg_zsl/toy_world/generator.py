"""Render one image of the toy world with its labels and instances."""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .shapes import (BACKGROUND_TEXTURES, EXTRA_SHAPE_NAMES, EXTRA_TEXTURES,
                     RING_INNER_RATIO, SHAPE_NAMES, TEXTURES, pixel_grid,
                     render_texture, shape_mask)

#: How object and background colours are drawn: 'rgb' uniformly in the RGB
#: cube (the target world), 'hsv' with a uniform hue and a saturation and
#: value of at least :data:`HSV_MIN_SATURATION_VALUE` (the source world).
COLOUR_MODELS = ('rgb', 'hsv')
HSV_MIN_SATURATION_VALUE = (0.25, 0.3)


@dataclass
class ToySample:
    """One rendered image of the toy world.

    Attributes:
        image (np.ndarray): RGB uint8 image (H, W, 3).
        mask (np.ndarray): uint8 class indices (H, W); 0 background,
            1..K the generator's ``shape_names`` in order (by default the
            five of :data:`SHAPE_NAMES`).
        instance_map (np.ndarray): uint8 (H, W); 0 background, k > 0 the
            visible pixels of ``objects[k - 1]``.
        objects (list[dict]): one record per visible object (see
            :meth:`ToyWorldGenerator.sample`).
        background_points (list[list[int]]): a few ``[x, y]`` background
            pixels far from every object (negative prompts for annotators).
    """
    image: np.ndarray
    mask: np.ndarray
    instance_map: np.ndarray
    objects: List[Dict] = field(default_factory=list)
    background_points: List[List[int]] = field(default_factory=list)


def _interior_points(mask: np.ndarray, num: int,
                     rng: np.random.Generator) -> List[List[int]]:
    """``num`` well-inside pixels of a mask, most interior first.

    The first point maximises the distance to the mask border (ties: first
    in raster order); the others are drawn among pixels at least half that
    deep, so they are unambiguous clicks even on thin shapes.
    """
    if num <= 0 or not mask.any():
        return []
    # pad so that the image border counts as mask border
    padded = np.pad(mask.astype(np.uint8), 1)
    depth = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    best = int(np.argmax(depth))
    ys, xs = np.nonzero(depth >= 0.5 * depth.flat[best])
    flat = ys * mask.shape[1] + xs
    others = flat[flat != best]
    take = rng.choice(others, size=min(num - 1, others.size), replace=False)
    points = [best] + sorted(int(i) for i in take)
    return [[p % mask.shape[1], p // mask.shape[1]] for p in points]


class ToyWorldGenerator:
    """Draws images of textured shapes on textured backgrounds.

    Colours are drawn independently of the class, so only the shape tells
    the class apart. Objects are painted in order and later ones occlude
    earlier ones; objects left with no visible pixel are dropped.

    Args:
        image_size (int): side of the square images. Defaults to 96.
        num_objects (tuple[int, int]): inclusive range of objects drawn per
            image. Defaults to (1, 4).
        radius (tuple[float, float]): circumradius range of normal objects,
            in pixels. Defaults to (8.0, 24.0).
        small_radius (tuple[float, float]): circumradius range of small
            objects. Defaults to (4.0, 7.5).
        small_prob (float): probability that an object is small.
            Defaults to 0.25.
        min_contrast (float): minimum RGB distance between an object's main
            colour and the mean background under it; resampled up to
            ``contrast_tries`` times. Defaults to 80.0.
        contrast_tries (int): colour draws before accepting a low-contrast
            object. Defaults to 20.
        noise_std (float): std of the Gaussian sensor noise added to the
            image. Defaults to 3.0.
        colour_jitter (float): std of the second texture colour of an object
            around its main colour. Defaults to 50.0.
        num_points (int): interior points recorded per object (>= 1).
            Defaults to 3.
        num_background_points (int): background points recorded per image.
            Defaults to 3.
        shape_names (Sequence[str]): the object classes, indices 1..K in the
            masks. Defaults to :data:`SHAPE_NAMES`.
        textures (Sequence[str]): object textures drawn from.
            Defaults to :data:`TEXTURES`.
        background_textures (Sequence[str]): background textures drawn
            from. Defaults to :data:`BACKGROUND_TEXTURES`.
        colours (str): colour model, one of :data:`COLOUR_MODELS`.
            Defaults to 'rgb'.
    """

    def __init__(self,
                 image_size: int = 96,
                 num_objects: Tuple[int, int] = (1, 4),
                 radius: Tuple[float, float] = (8.0, 24.0),
                 small_radius: Tuple[float, float] = (4.0, 7.5),
                 small_prob: float = 0.25,
                 min_contrast: float = 80.0,
                 contrast_tries: int = 20,
                 noise_std: float = 3.0,
                 colour_jitter: float = 50.0,
                 num_points: int = 3,
                 num_background_points: int = 3,
                 shape_names: Sequence[str] = SHAPE_NAMES,
                 textures: Sequence[str] = TEXTURES,
                 background_textures: Sequence[str] = BACKGROUND_TEXTURES,
                 colours: str = 'rgb') -> None:
        if image_size < 16:
            raise ValueError(f'image_size must be >= 16, got {image_size}.')
        lo, hi = num_objects
        if not 1 <= lo <= hi <= 255:  # instance ids are uint8
            raise ValueError('num_objects must be (min, max) with '
                             f'1 <= min <= max <= 255, got {num_objects}.')
        if num_points < 1 or num_background_points < 0:
            raise ValueError('need num_points >= 1 (annotators click the '
                             'first point) and num_background_points >= 0, '
                             f'got {num_points} and {num_background_points}.')
        if not 0.0 <= small_prob <= 1.0:
            raise ValueError(f'small_prob must be in [0, 1], got '
                             f'{small_prob}.')
        _check_choices('shape_names', shape_names,
                       SHAPE_NAMES + EXTRA_SHAPE_NAMES)
        _check_choices('textures', textures, TEXTURES + EXTRA_TEXTURES)
        _check_choices('background_textures', background_textures,
                       TEXTURES + EXTRA_TEXTURES)
        if colours not in COLOUR_MODELS:
            raise ValueError(f'colours must be one of {COLOUR_MODELS}, got '
                             f'{colours!r}.')
        self.image_size = image_size
        self.num_objects = (int(lo), int(hi))
        self.radius = tuple(float(r) for r in radius)
        self.small_radius = tuple(float(r) for r in small_radius)
        self.small_prob = small_prob
        self.min_contrast = min_contrast
        self.contrast_tries = contrast_tries
        self.noise_std = noise_std
        self.colour_jitter = colour_jitter
        self.num_points = num_points
        self.num_background_points = num_background_points
        self.shape_names = tuple(shape_names)
        self.textures = tuple(textures)
        self.background_textures = tuple(background_textures)
        self.colours = colours
        self._grid = pixel_grid(image_size, image_size)

    @property
    def classes(self) -> Tuple[str, ...]:
        """All classes of the masks, background first."""
        return ('background', ) + self.shape_names

    def config(self) -> Dict:
        """Constructor arguments, JSON-serialisable (for ``meta.json``).

        The class, texture and colour options appear only where they differ
        from the target world's, so ``meta.json`` of worlds written before
        those options existed still matches.
        """
        looks = dict(
            shape_names=(self.shape_names, SHAPE_NAMES),
            textures=(self.textures, TEXTURES),
            background_textures=(self.background_textures,
                                 BACKGROUND_TEXTURES),
            colours=(self.colours, 'rgb'))
        extra = {
            key: list(value) if isinstance(value, tuple) else value
            for key, (value, default) in looks.items() if value != default
        }
        return dict(
            image_size=self.image_size,
            num_objects=list(self.num_objects),
            radius=list(self.radius),
            small_radius=list(self.small_radius),
            small_prob=self.small_prob,
            min_contrast=self.min_contrast,
            contrast_tries=self.contrast_tries,
            noise_std=self.noise_std,
            colour_jitter=self.colour_jitter,
            num_points=self.num_points,
            num_background_points=self.num_background_points,
            **extra)

    def _colour(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` random RGB colours (float, 0..255) of the colour model.
        """
        if self.colours == 'rgb':
            return rng.uniform(0, 255, (count, 3))
        low_s, low_v = HSV_MIN_SATURATION_VALUE
        # OpenCV's float HSV: hue in degrees, saturation and value in [0, 1]
        hsv = np.stack([
            rng.uniform(0, 360, count),
            rng.uniform(low_s, 1, count),
            rng.uniform(low_v, 1, count)
        ], axis=-1).astype(np.float32)[None]
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]
        return 255.0 * rgb.astype(np.float64)

    def sample(self, rng: np.random.Generator) -> ToySample:
        """Render one image; fully determined by the state of ``rng``.

        Each object record holds ``id`` (its value in ``instance_map``),
        ``class_id``, ``class_name``, ``bbox`` ``[x0, y0, x1, y1]`` of the
        visible pixels (x1, y1 exclusive), ``area`` (visible pixels),
        ``full_area`` (pixels of the unoccluded shape inside the image),
        ``centre`` ``[cx, cy]``, ``radius``, ``angle_deg``, ``texture``,
        ``colour`` (main RGB colour) and ``points`` (``[x, y]`` interior
        pixels, most interior first).

        Args:
            rng (np.random.Generator): the image's random generator.

        Returns:
            ToySample: the image, its labels and instances.
        """
        xs, ys = self._grid
        size = self.image_size
        # background: two independent colours mixed by a texture
        bg_kind = self.background_textures[rng.integers(
            len(self.background_textures))]
        canvas = render_texture(bg_kind, self._colour(rng, 2), xs, ys, rng)
        background = canvas.copy()
        mask = np.zeros((size, size), np.uint8)
        instance_map = np.zeros((size, size), np.uint8)
        drawn = []
        for k in range(1, int(rng.integers(*self.num_objects, endpoint=True))
                       + 1):
            drawn.append(self._paint_object(k, rng, canvas, background, mask,
                                            instance_map))
        noisy = canvas + rng.normal(0.0, self.noise_std, canvas.shape)
        image = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)

        # keep visible objects only, renumbered 1..N in painting order
        objects, new_map = [], np.zeros_like(instance_map)
        for rec in drawn:
            visible = instance_map == rec['id']
            if not visible.any():
                continue
            rec['id'] = len(objects) + 1
            new_map[visible] = rec['id']
            rows, cols = np.nonzero(visible)
            rec['bbox'] = [
                int(cols.min()),
                int(rows.min()),
                int(cols.max()) + 1,
                int(rows.max()) + 1
            ]
            rec['area'] = int(visible.sum())
            rec['points'] = _interior_points(visible, self.num_points, rng)
            objects.append(rec)
        bg_points = _interior_points(mask == 0, self.num_background_points,
                                     rng)
        return ToySample(image, mask, new_map, objects, bg_points)

    def _paint_object(self, k: int, rng: np.random.Generator,
                      canvas: np.ndarray, background: np.ndarray,
                      mask: np.ndarray, instance_map: np.ndarray) -> Dict:
        """Draw object ``k`` in place and return its record."""
        xs, ys = self._grid
        size = self.image_size
        class_id = int(rng.integers(len(self.shape_names))) + 1
        name = self.shape_names[class_id - 1]
        small = rng.uniform() < self.small_prob
        r = float(rng.uniform(*(self.small_radius if small else self.radius)))
        # centre far enough in that at least part of the shape shows
        cx, cy = rng.uniform(0.5 * r, size - 0.5 * r, 2)
        angle = float(rng.uniform(0, 2 * np.pi))
        inner = float(rng.uniform(*RING_INNER_RATIO))
        shape = shape_mask(name, xs, ys, cx, cy, r, angle, inner)
        if not shape.any():  # a tiny shape between pixel centres
            shape[min(int(cy), size - 1), min(int(cx), size - 1)] = True
        # colour independent of the class, but visible on the background
        bg_mean = background[shape].mean(axis=0)
        for _ in range(self.contrast_tries):
            main = self._colour(rng, 1)[0]
            if np.linalg.norm(main - bg_mean) >= self.min_contrast:
                break
        second = np.clip(main + rng.normal(0, self.colour_jitter, 3), 0, 255)
        kind = self.textures[rng.integers(len(self.textures))]
        texture = render_texture(kind, np.stack([main, second]), xs, ys, rng)
        canvas[shape] = texture[shape]
        mask[shape] = class_id
        instance_map[shape] = k
        return dict(
            id=k,
            class_id=class_id,
            class_name=name,
            full_area=int(shape.sum()),
            centre=[round(float(cx), 3),
                    round(float(cy), 3)],
            radius=round(r, 3),
            angle_deg=round(float(np.degrees(angle)), 3),
            texture=kind,
            colour=[int(round(c)) for c in main])


def _check_choices(name: str, values: Sequence[str],
                   allowed: Sequence[str]) -> None:
    """Raise unless ``values`` is a non-empty selection of ``allowed``."""
    unknown = [v for v in values if v not in allowed]
    if not values or unknown:
        raise ValueError(f'{name} must be a non-empty list of {allowed}, got '
                         f'{list(values)}.')
