"""Classes, palette, shape rasterisation and textures of the toy world.

Everything here is vectorised numpy over a pixel grid: a 96x96 image is
~9k pixels, so a full-frame boolean test per shape is cheaper than any
per-pixel Python loop or bounding-box bookkeeping.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np

from mmseg_zsl.datasets.toy_shapes_dataset import TOY_CLASSES, TOY_PALETTE

#: All classes of the world, background first (index 0): those of the
#: dataset class that training reads the world with.
CLASSES: Tuple[str, ...] = TOY_CLASSES
#: The five object classes, indices 1..5 in the label maps.
SHAPE_NAMES: Tuple[str, ...] = CLASSES[1:]
PALETTE = TOY_PALETTE
#: Object surface textures; backgrounds never use 'flat'.
TEXTURES: Tuple[str, ...] = ('flat', 'stripes', 'noise', 'gradient')
BACKGROUND_TEXTURES: Tuple[str, ...] = ('stripes', 'noise', 'gradient')
#: Shapes and textures that only the pretraining source world draws (its
#: "ImageNet": more classes and looks than the target world).
EXTRA_SHAPE_NAMES: Tuple[str, ...] = ('hexagon', 'pentagon', 'diamond',
                                      'ellipse', 'cross', 'crescent',
                                      'semicircle')
EXTRA_TEXTURES: Tuple[str, ...] = ('checker', 'dots')

# Shape geometry, relative to the circumradius r of an object.
STAR_POINTS = 5
STAR_INNER_RATIO = 0.45  # inner vertices of the star at 0.45 r
RING_INNER_RATIO = (0.45, 0.65)  # hole radius range of a ring, times r
DIAMOND_MINOR_RATIO = 0.6  # half of the short diagonal, times r
ELLIPSE_MINOR_RATIO = 0.55  # minor semi-axis, times r
CROSS_ARM_RATIO = 0.3  # half-width of a cross's arms, times r
CRESCENT_BITE = (0.85, 0.5)  # radius and offset of the bite, times r


def pixel_grid(height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(xs, ys)``, each of shape (H, W)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs, ys


def _polygon_mask(xs: np.ndarray, ys: np.ndarray,
                  vertices: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test for every pixel centre.

    Args:
        xs (np.ndarray): x coordinate of each pixel, (H, W).
        ys (np.ndarray): y coordinate of each pixel, (H, W).
        vertices (np.ndarray): polygon vertices (N, 2) as (x, y).

    Returns:
        np.ndarray: bool (H, W), True inside the polygon.
    """
    inside = np.zeros(xs.shape, dtype=bool)
    x0, y0 = vertices[:, 0], vertices[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        if ay == by:
            continue  # a horizontal edge never crosses a horizontal ray
        crosses = (ay > ys) != (by > ys)
        x_at = ax + (ys - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (xs < x_at)
    return inside


def _regular_vertices(cx: float, cy: float, radii: Sequence[float],
                      count: int, angle: float) -> np.ndarray:
    """Vertices on circles around (cx, cy), cycling through ``radii``."""
    t = angle + 2 * np.pi * np.arange(count) / count
    r = np.resize(np.asarray(radii, dtype=np.float64), count)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def shape_mask(shape: str, xs: np.ndarray, ys: np.ndarray, cx: float,
               cy: float, radius: float, angle: float,
               inner_ratio: float = 0.55) -> np.ndarray:
    """Rasterise one shape (pixel centres inside the shape are True).

    Args:
        shape (str): one of :data:`SHAPE_NAMES` or
            :data:`EXTRA_SHAPE_NAMES`.
        xs (np.ndarray): pixel x coordinates from :func:`pixel_grid`.
        ys (np.ndarray): pixel y coordinates from :func:`pixel_grid`.
        cx (float): centre x in pixels.
        cy (float): centre y in pixels.
        radius (float): circumradius in pixels.
        angle (float): rotation in radians.
        inner_ratio (float): hole radius of a ring relative to ``radius``.
            Defaults to 0.55.

    Returns:
        np.ndarray: bool mask of shape (H, W).
    """
    dx, dy = xs - cx, ys - cy
    if shape == 'circle':
        return dx * dx + dy * dy <= radius * radius
    if shape == 'ring':
        d2 = dx * dx + dy * dy
        return (d2 <= radius * radius) & (d2 >= (inner_ratio * radius)**2)
    # (u, v): the pixel in the shape's own (rotated) frame
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    if shape == 'square':
        # a square of circumradius r has half-side r / sqrt(2)
        half = radius / np.sqrt(2.0)
        return (np.abs(u) <= half) & (np.abs(v) <= half)
    if shape == 'triangle':
        return _polygon_mask(xs, ys,
                             _regular_vertices(cx, cy, [radius], 3, angle))
    if shape == 'star':
        radii = [radius, STAR_INNER_RATIO * radius]
        return _polygon_mask(
            xs, ys, _regular_vertices(cx, cy, radii, 2 * STAR_POINTS, angle))
    if shape in ('hexagon', 'pentagon'):
        count = 6 if shape == 'hexagon' else 5
        return _polygon_mask(
            xs, ys, _regular_vertices(cx, cy, [radius], count, angle))
    if shape == 'diamond':
        radii = [radius, DIAMOND_MINOR_RATIO * radius]
        return _polygon_mask(xs, ys,
                             _regular_vertices(cx, cy, radii, 4, angle))
    if shape == 'ellipse':
        return (u / radius)**2 + (v / (ELLIPSE_MINOR_RATIO * radius))**2 <= 1
    if shape == 'cross':
        arm = CROSS_ARM_RATIO * radius
        in_square = (np.abs(u) <= radius) & (np.abs(v) <= radius)
        return in_square & ((np.abs(u) <= arm) | (np.abs(v) <= arm))
    if shape == 'crescent':
        bite_r, offset = (c * radius for c in CRESCENT_BITE)
        return ((u * u + v * v <= radius * radius) &
                ((u - offset)**2 + v * v > bite_r * bite_r))
    if shape == 'semicircle':
        return (u * u + v * v <= radius * radius) & (u >= 0)
    raise ValueError(f'Unknown shape {shape!r}; expected one of '
                     f'{SHAPE_NAMES + EXTRA_SHAPE_NAMES}.')


def render_texture(kind: str, colours: np.ndarray, xs: np.ndarray,
                   ys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint a full-frame texture mixing two colours.

    Args:
        kind (str): one of :data:`TEXTURES` or :data:`EXTRA_TEXTURES`.
        colours (np.ndarray): (2, 3) float RGB colours in [0, 255].
        xs (np.ndarray): pixel x coordinates from :func:`pixel_grid`.
        ys (np.ndarray): pixel y coordinates from :func:`pixel_grid`.
        rng (np.random.Generator): source of the texture's own randomness.

    Returns:
        np.ndarray: float32 (H, W, 3) image.
    """
    height, width = xs.shape
    if kind == 'flat':
        t = np.zeros_like(xs)
    elif kind == 'stripes':
        phi = rng.uniform(0, np.pi)
        period = rng.uniform(4.0, 16.0)
        sharpness = rng.uniform(0.6, 4.0)  # soft waves .. hard bars
        proj = xs * np.cos(phi) + ys * np.sin(phi)
        wave = np.sin(2 * np.pi * proj / period + rng.uniform(0, 2 * np.pi))
        t = np.clip(0.5 + sharpness * wave, 0.0, 1.0)
    elif kind == 'noise':
        cells = int(rng.integers(3, 9))
        coarse = rng.uniform(0, 1, (cells, cells)).astype(np.float32)
        t = cv2.resize(coarse, (width, height),
                       interpolation=cv2.INTER_CUBIC)
        t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    elif kind == 'gradient':
        phi = rng.uniform(0, 2 * np.pi)
        proj = xs * np.cos(phi) + ys * np.sin(phi)
        t = (proj - proj.min()) / max(float(proj.max() - proj.min()), 1e-6)
    elif kind == 'checker':
        phi = rng.uniform(0, np.pi / 2)
        period = rng.uniform(4.0, 14.0)
        u = xs * np.cos(phi) + ys * np.sin(phi)
        v = -xs * np.sin(phi) + ys * np.cos(phi)
        t = ((np.floor(u / period) + np.floor(v / period)) % 2).astype(
            np.float32)
    elif kind == 'dots':
        period = rng.uniform(5.0, 12.0)
        dot = rng.uniform(0.2, 0.4) * period
        ox, oy = rng.uniform(0, period, 2)
        du = (xs + ox) % period - period / 2
        dv = (ys + oy) % period - period / 2
        t = (du * du + dv * dv <= dot * dot).astype(np.float32)
    else:
        raise ValueError(f'Unknown texture {kind!r}; expected one of '
                         f'{TEXTURES + EXTRA_TEXTURES}.')
    t = t.astype(np.float32)[..., None]
    c0, c1 = colours.astype(np.float32)
    return c0 * (1.0 - t) + c1 * t
