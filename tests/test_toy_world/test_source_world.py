"""The source world ("ImageNet" of the toy world) and its new shapes."""
import hashlib

import numpy as np
import pytest

from mmseg_zsl.toy_world import ToyWorldGenerator
from mmseg_zsl.toy_world.shapes import (EXTRA_SHAPE_NAMES, EXTRA_TEXTURES,
                                        pixel_grid, render_texture, shape_mask)
from mmseg_zsl.toy_world.source_world import (SOURCE_SHAPE_NAMES,
                                              make_source_images,
                                              source_generator)
from mmseg_zsl.toy_world.world import _STREAMS

# Analytic areas in units of r^2 (r: the circumradius argument), from the
# geometry constants of shapes.py: regular n-gon (n / 2) sin(2 pi / n);
# diamond with half-diagonals r and 0.6 r: 2 * 0.6; ellipse pi * 0.55;
# cross of two 2r x 0.6r bars minus their 0.6r x 0.6r overlap; half disk.
AREAS = dict(
    hexagon=3 * np.sin(np.pi / 3),
    pentagon=2.5 * np.sin(2 * np.pi / 5),
    diamond=1.2,
    ellipse=np.pi * 0.55,
    cross=2 * 2 * 0.6 - 0.6**2,
    semicircle=np.pi / 2)


@pytest.mark.parametrize('shape', sorted(AREAS))
def test_new_shapes_have_their_analytic_area(shape):
    xs, ys = pixel_grid(200, 200)
    r = 60.0
    area = shape_mask(shape, xs, ys, 100.0, 100.0, r, 0.3).sum()
    assert area == pytest.approx(AREAS[shape] * r * r, rel=0.02)


def test_crescent_is_a_disk_minus_the_bite():
    """Lens area of two circles (R = r, r2 = 0.85 r, distance 0.5 r)
    computed with the standard formula, subtracted from the disk."""
    r, r2, d = 60.0, 0.85 * 60.0, 0.5 * 60.0
    a1 = r * r * np.arccos((d * d + r * r - r2 * r2) / (2 * d * r))
    a2 = r2 * r2 * np.arccos((d * d + r2 * r2 - r * r) / (2 * d * r2))
    a3 = 0.5 * np.sqrt((-d + r + r2) * (d + r - r2) * (d - r + r2) *
                       (d + r + r2))
    expected = np.pi * r * r - (a1 + a2 - a3)
    xs, ys = pixel_grid(200, 200)
    area = shape_mask('crescent', xs, ys, 100.0, 100.0, r, 1.0).sum()
    assert area == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize('kind', EXTRA_TEXTURES)
def test_new_textures_mix_both_colours(kind):
    xs, ys = pixel_grid(64, 64)
    colours = np.array([[0, 0, 0], [200, 100, 50]], np.float64)
    texture = render_texture(kind, colours, xs, ys,
                             np.random.default_rng(0))
    values = {tuple(v) for v in texture.reshape(-1, 3).tolist()}
    assert values == {(0.0, 0.0, 0.0), (200.0, 100.0, 50.0)}


def test_default_generator_config_is_unchanged_for_old_worlds():
    """meta.json of worlds written before the source options must match."""
    assert set(ToyWorldGenerator().config()) == {
        'image_size', 'num_objects', 'radius', 'small_radius', 'small_prob',
        'min_contrast', 'contrast_tries', 'noise_std', 'colour_jitter',
        'num_points', 'num_background_points'
    }
    source = source_generator().config()
    assert source['shape_names'] == list(SOURCE_SHAPE_NAMES)
    assert source['colours'] == 'hsv'


@pytest.mark.parametrize('options', [
    dict(shape_names=('circle', 'blob')),
    dict(shape_names=()),
    dict(textures=('plaid', )),
    dict(colours='cmyk'),
])
def test_generator_rejects_unknown_looks(options):
    with pytest.raises(ValueError):
        ToyWorldGenerator(**options)


def test_source_world_has_twelve_classes_and_its_own_images():
    images, masks = make_source_images(80, 'train', seed=1)
    assert images.shape == (80, 96, 96, 3) and images.dtype == np.uint8
    assert set(np.unique(masks)) == set(range(13))
    assert len(SOURCE_SHAPE_NAMES) == 12
    assert set(EXTRA_SHAPE_NAMES).isdisjoint(SOURCE_SHAPE_NAMES[:5])
    # image i does not depend on how many are drawn
    few, _ = make_source_images(3, 'train', seed=1)
    assert np.array_equal(few, images[:3])
    # never an image of the target world (default seed 0; any stream)
    target = ToyWorldGenerator()
    digests = {
        hashlib.sha256(
            target.sample(np.random.default_rng([seed, stream, i])).image
            .tobytes()).hexdigest()
        for seed in (0, 1) for stream in _STREAMS.values()
        for i in range(20)
    }
    val, _ = make_source_images(20, 'val', seed=1)
    for image in np.concatenate([images[:20], val]):
        assert hashlib.sha256(image.tobytes()).hexdigest() not in digests


def test_source_colours_are_hsv_not_the_rgb_cube():
    """Value (max channel) >= 0.3 * 255 for every object colour drawn."""
    generator = source_generator()
    rng = np.random.default_rng(0)
    colours = generator._colour(rng, 500)
    assert colours.max(axis=1).min() >= 0.3 * 255 - 1e-6
    assert ToyWorldGenerator()._colour(rng, 500).max(axis=1).min() < 50
