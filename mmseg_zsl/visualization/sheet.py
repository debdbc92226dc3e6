"""Contact sheets: image / pseudo label / ground truth per row, plus legend.

The layout is computed (not left to ``tight_layout``), so
:func:`sheet_layout` tells exactly where each panel lands in the saved PNG.
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.patches import Patch
from PIL import Image

from .output import new_figure, save_figure
from .palette import IGNORE_DARK, colorize_label

DPI = 100
# Sizes in inches.
_MARGIN = 0.15
_HEADER = 0.35  # column titles at the top of the sheet
_ROW_TITLE = 0.3  # "<stem>  mIoU 42.0" above each row
_PANEL_H = 2.4
# Panel width = height x the widest image aspect of the sheet, within these
# bounds (portrait-only sheets get narrow panels instead of white margins).
_ASPECT_RANGE = (0.6, 2.0)
_GAP = 0.1
_ROW_GAP = 0.15
_LEGEND_COL_W = 2.7
_LEGEND_ENTRY_H = 0.24
_FONT = 9
# Pixels are downscaled to at most twice the panel size before plotting:
# sharper than letting matplotlib shrink a large photo, and much faster.
_MAX_SIDE = 2 * int(_ASPECT_RANGE[1] * _PANEL_H * DPI)


@dataclass
class SheetRow:
    """One row of a sheet.

    Args:
        title (str): Text above the row (stem and score).
        image (np.ndarray): ``(H, W, 3)`` uint8 RGB image.
        labels (list[np.ndarray]): ``(H, W)`` class-index maps drawn after
            the image, in the order of the sheet's panel titles.
    """
    title: str
    image: np.ndarray
    labels: List[np.ndarray]


@dataclass
class SheetLayout:
    """Computed geometry of a sheet (inches, origin at the top left).

    Args:
        width (float): Figure width.
        height (float): Figure height.
        panels (list[list[tuple]]): ``panels[row][col]`` is the panel box
            ``(left, top, width, height)``; column 0 is the image.
        legend (tuple): Legend box ``(left, top, width, height)``.
        legend_columns (int): Columns of legend entries.
    """
    width: float
    height: float
    panels: List[List[Tuple[float, float, float, float]]]
    legend: Tuple[float, float, float, float]
    legend_columns: int

    def panel_center_px(self, row: int, col: int,
                        dpi: int = DPI) -> Tuple[int, int]:
        """Pixel ``(x, y)`` of a panel's centre in the saved PNG."""
        left, top, width, height = self.panels[row][col]
        return (int((left + width / 2) * dpi), int((top + height / 2) * dpi))


def sheet_layout(num_rows: int,
                 num_panels: int,
                 num_legend_entries: int,
                 aspect: float = 4 / 3) -> SheetLayout:
    """Place the panels and the legend of a sheet.

    Args:
        num_rows (int): Rows (images) on the sheet.
        num_panels (int): Panels per row (image plus label maps).
        num_legend_entries (int): Legend entries, to size the legend.
        aspect (float): Panel width / height, clipped to
            ``_ASPECT_RANGE``. Defaults to 4 / 3.

    Returns:
        SheetLayout: The geometry.
    """
    rows_height = num_rows * (_ROW_TITLE + _PANEL_H) + (num_rows - 1) * (
        _ROW_GAP)
    per_column = max(1, int(rows_height // _LEGEND_ENTRY_H))
    legend_columns = max(1, math.ceil(num_legend_entries / per_column))
    legend_width = legend_columns * _LEGEND_COL_W
    panel_w = _PANEL_H * min(max(aspect, _ASPECT_RANGE[0]), _ASPECT_RANGE[1])
    panels = []
    for row in range(num_rows):
        top = _MARGIN + _HEADER + row * (_ROW_TITLE + _PANEL_H + _ROW_GAP) + (
            _ROW_TITLE)
        panels.append([(_MARGIN + col * (panel_w + _GAP), top, panel_w,
                        _PANEL_H) for col in range(num_panels)])
    legend_left = _MARGIN + num_panels * (panel_w + _GAP) + _GAP
    return SheetLayout(
        width=legend_left + legend_width + _MARGIN,
        height=2 * _MARGIN + _HEADER + rows_height,
        panels=panels,
        legend=(legend_left, _MARGIN + _HEADER, legend_width, rows_height),
        legend_columns=legend_columns)


def _shrink(rgb: np.ndarray) -> np.ndarray:
    """Downscale (nearest, so label colours stay exact) to ``_MAX_SIDE``."""
    height, width = rgb.shape[:2]
    scale = _MAX_SIDE / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.NEAREST))


def _legend_handles(rows: Sequence[SheetRow], class_names: Sequence[str],
                    palette: np.ndarray,
                    ignore_index: Optional[int]) -> List[Patch]:
    present = np.zeros(max(len(class_names), 1), dtype=bool)
    has_ignore = False
    for row in rows:
        for label in row.labels:
            values = np.unique(label)
            if ignore_index is not None:
                has_ignore |= bool((values == ignore_index).any())
                values = values[values != ignore_index]
            present[values] = True
    handles = [
        Patch(
            facecolor=palette[index] / 255,
            edgecolor='black',
            linewidth=0.5,
            label=f'{index}  {class_names[index]}')
        for index in np.flatnonzero(present)
    ]
    if has_ignore:
        handles.append(
            Patch(
                facecolor='white',
                edgecolor=np.asarray(IGNORE_DARK) / 255,
                hatch='////',
                label=f'{ignore_index}  ignore / unassigned'))
    return handles


def render_sheet(rows: Sequence[SheetRow],
                 panel_titles: Sequence[str],
                 class_names: Sequence[str],
                 palette: np.ndarray,
                 out_file: str,
                 ignore_index: Optional[int] = 255) -> SheetLayout:
    """Draw rows of image and label maps with a legend of the shown classes.

    Args:
        rows (Sequence[SheetRow]): The rows, top to bottom.
        panel_titles (Sequence[str]): Column titles: the image, then one per
            label map of each row.
        class_names (Sequence[str]): Name of every class index.
        palette (np.ndarray): ``(len(class_names), 3)`` uint8 colours.
        out_file (str): PNG to write.
        ignore_index (int, optional): Index drawn as grey stripes. Defaults
            to 255.

    Returns:
        SheetLayout: Where the panels were drawn.
    """
    assert rows and all(
        len(row.labels) + 1 == len(panel_titles) for row in rows), (
            'every row needs one label map per panel title after the image')
    handles = _legend_handles(rows, class_names, palette, ignore_index)
    aspect = max(row.image.shape[1] / row.image.shape[0] for row in rows)
    layout = sheet_layout(len(rows), len(panel_titles), len(handles), aspect)
    fig = new_figure(layout.width, layout.height, DPI)

    def axes_at(box: Tuple[float, float, float, float]):
        left, top, width, height = box
        return fig.add_axes(
            (left / layout.width, 1 - (top + height) / layout.height,
             width / layout.width, height / layout.height))

    for col, title in enumerate(panel_titles):
        left, _, width, _ = layout.panels[0][col]
        fig.text((left + width / 2) / layout.width,
                 1 - (_MARGIN + _HEADER / 2) / layout.height, title,
                 ha='center', va='center', fontsize=_FONT + 2,
                 fontweight='bold')
    for row_index, row in enumerate(rows):
        pictures = [row.image] + [
            colorize_label(label, palette, ignore_index)
            for label in row.labels
        ]
        left, top = layout.panels[row_index][0][:2]
        fig.text(left / layout.width, 1 - (top - _ROW_TITLE / 2) /
                 layout.height, row.title, ha='left', va='center',
                 fontsize=_FONT + 1, family='monospace')
        for col, picture in enumerate(pictures):
            ax = axes_at(layout.panels[row_index][col])
            ax.imshow(_shrink(picture), interpolation='nearest')
            ax.set_axis_off()
    legend_ax = axes_at(layout.legend)
    legend_ax.set_axis_off()
    if handles:
        legend_ax.legend(
            handles=handles, loc='upper left', ncol=layout.legend_columns,
            frameon=False, fontsize=_FONT, title='classes',
            title_fontsize=_FONT + 1, alignment='left',
            borderaxespad=0, handlelength=1.6, handleheight=1.2)
    save_figure(fig, out_file)
    return layout
