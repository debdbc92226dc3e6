import numpy as np
import pytest

from mmseg_zsl.visualization import (colorize_label, load_palette,
                                     resolve_palette, voc_palette)
from mmseg_zsl.visualization.palette import IGNORE_DARK, IGNORE_LIGHT


def test_voc_palette_matches_published_pascal_colours():
    # PASCAL VOC devkit colours: background, aeroplane, bicycle, bird, boat,
    # ..., dog (12), ..., person (15), ..., tvmonitor (20).
    palette = voc_palette(21)
    assert palette[:5].tolist() == [[0, 0, 0], [128, 0, 0], [0, 128, 0],
                                    [128, 128, 0], [0, 0, 128]]
    assert palette[12].tolist() == [64, 0, 128]
    assert palette[15].tolist() == [192, 128, 128]
    assert palette[20].tolist() == [0, 64, 128]


def test_voc_palette_colours_are_distinct_and_never_ignore_colours():
    palette = voc_palette(256)
    assert len({tuple(c) for c in palette}) == 256
    for ignore_colour in (IGNORE_LIGHT, IGNORE_DARK):
        assert not (palette == ignore_colour).all(axis=1).any()


def test_colorize_draws_classes_and_stripes_ignore():
    label = np.zeros((12, 12), dtype=np.uint8)
    label[:, 6:] = 255
    rgb = colorize_label(label, voc_palette(2))
    assert (rgb[:, :6] == 0).all()
    ignore_colours = {tuple(c) for c in rgb[:, 6:].reshape(-1, 3)}
    assert ignore_colours == {IGNORE_LIGHT, IGNORE_DARK}


def test_load_palette_reads_rgb_lines(tmp_path):
    path = tmp_path / 'palette.txt'
    path.write_text('0 0 0\n10,20,30\n\n')
    np.testing.assert_array_equal(load_palette(str(path)),
                                  [[0, 0, 0], [10, 20, 30]])
    path.write_text('1 2\n')
    with pytest.raises(ValueError, match='palette.txt:1'):
        load_palette(str(path))


def test_resolve_palette_needs_one_colour_per_class():
    with pytest.raises(ValueError, match='2 colours but there are 3'):
        resolve_palette([[0, 0, 0], [1, 1, 1]], 3)
