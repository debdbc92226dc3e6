import numpy as np
from PIL import Image

from mmseg_zsl.visualization import SheetRow, render_sheet, voc_palette


def test_sheet_draws_label_colours_where_the_layout_says(tmp_path):
    # A 40x60 label whose central block is class 2 and the rest class 1: the
    # centre of the pseudo-label panel must be class 2's VOC colour
    # (0, 128, 0), the ground-truth centre class 1's (128, 0, 0), and the
    # image panel centre the image's own colour.
    pseudo = np.ones((40, 60), dtype=np.uint8)
    pseudo[10:30, 15:45] = 2
    gt = np.ones((40, 60), dtype=np.uint8)
    image = np.full((40, 60, 3), (90, 60, 30), dtype=np.uint8)
    rows = [
        SheetRow('first', image, [pseudo, gt]),
        SheetRow('second', image, [gt, pseudo]),
    ]
    out = tmp_path / 'sheet.png'
    layout = render_sheet(rows, ['image', 'pseudo label', 'ground truth'],
                          ['background', 'aeroplane', 'bicycle'],
                          voc_palette(3), str(out))
    sheet = np.asarray(Image.open(out).convert('RGB'))
    assert sheet.shape[:2] == (round(layout.height * 100),
                               round(layout.width * 100))

    def colour(row, col):
        x, y = layout.panel_center_px(row, col)
        return sheet[y, x].tolist()

    assert colour(0, 0) == [90, 60, 30]
    assert colour(0, 1) == [0, 128, 0]
    assert colour(0, 2) == [128, 0, 0]
    assert colour(1, 1) == [128, 0, 0]
    assert colour(1, 2) == [0, 128, 0]


def test_sheet_with_ignore_pixels_and_many_legend_entries(tmp_path):
    # 40 classes on a one-row sheet: the legend takes several columns, so
    # the sheet grows wider instead of cutting entries off.
    label = np.repeat(np.arange(40, dtype=np.uint8), 2)[None].repeat(8, 0)
    label[:2] = 255
    image = np.zeros((8, 80, 3), dtype=np.uint8)
    out = tmp_path / 'sheet.png'
    layout = render_sheet([SheetRow('x', image, [label])],
                          ['image', 'pseudo label'],
                          [f'c{i}' for i in range(40)], voc_palette(40),
                          str(out))
    assert layout.legend_columns > 1
    assert out.stat().st_size > 0
