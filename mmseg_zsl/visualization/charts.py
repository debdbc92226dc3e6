"""Charts of a report: confusion matrix, per-class IoU, class frequency."""
import math
from typing import Optional, Sequence

import numpy as np
from matplotlib.patches import Patch

from .metrics import row_normalize
from .output import new_figure, save_figure

DPI = 100
_FONT = 9
# Cell values are written into the confusion matrix up to this many classes;
# beyond it the numbers no longer fit in a cell.
_MAX_ANNOTATED = 30
_CELL = 0.32  # inches per confusion-matrix cell
_BAR = 0.26  # inches per bar row
_UNASSIGNED = 'unassigned'
IGNORE_GREY = (0.6, 0.6, 0.6)


def _shown_classes(*counts: np.ndarray) -> np.ndarray:
    """Indices of the classes with any pixel in any of ``counts``."""
    return np.flatnonzero(np.sum(counts, axis=0) > 0)


def plot_confusion_matrix(matrix: np.ndarray,
                          class_names: Sequence[str],
                          out_file: str,
                          ignore_index: int = 255) -> None:
    """Draw a row-normalised confusion matrix.

    Rows are ground truth, columns pseudo labels, with a last column for
    pixels left unassigned (``ignore_index``). Classes absent from both are
    left out so that large class lists stay readable.

    Args:
        matrix (np.ndarray): ``(C, C + 1)`` counts from
            :func:`~mmseg_zsl.visualization.confusion_matrix`.
        class_names (Sequence[str]): ``C`` class names.
        out_file (str): PNG to write.
        ignore_index (int): Index of unassigned pixels, for the column
            title. Defaults to 255.
    """
    num_classes = len(class_names)
    assert matrix.shape == (num_classes, num_classes + 1), (
        f'matrix {matrix.shape} does not match {num_classes} class names')
    shown = _shown_classes(matrix[:, :num_classes].sum(0), matrix.sum(1))
    if shown.size == 0:
        shown = np.arange(num_classes)
    columns = np.append(shown, num_classes)
    normed = row_normalize(matrix)[np.ix_(shown, columns)]
    labels = [f'{i} {class_names[i]}' for i in shown]
    side = max(5.0, _CELL * len(columns) + 3.0)
    fig = new_figure(side + 1.0, side, DPI, layout='constrained')
    ax = fig.add_subplot()
    image = ax.imshow(normed, cmap='Blues', vmin=0, vmax=1, aspect='auto')
    colorbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colorbar.set_label('fraction of the ground-truth row', fontsize=_FONT)
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(
        labels + [f'{ignore_index} {_UNASSIGNED}'],
        rotation=90,
        fontsize=_FONT)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(labels, fontsize=_FONT)
    ax.set_xlabel('pseudo label', fontsize=_FONT + 2)
    ax.set_ylabel('ground truth', fontsize=_FONT + 2)
    ax.set_title(
        'Confusion matrix (rows: ground truth; % of each row)',
        fontsize=_FONT + 2)
    if len(columns) <= _MAX_ANNOTATED:
        for (row, col), value in np.ndenumerate(normed):
            if value >= 0.005:
                ax.text(col, row, f'{100 * value:.0f}', ha='center',
                        va='center', fontsize=_FONT - 2,
                        color='white' if value > 0.5 else 'black')
    save_figure(fig, out_file)


def plot_iou_bars(iou: np.ndarray,
                  class_names: Sequence[str],
                  palette: np.ndarray,
                  out_file: str,
                  miou: Optional[float] = None) -> None:
    """Draw per-class IoU as horizontal bars in class order.

    Args:
        iou (np.ndarray): ``(C,)`` IoU in percent, NaN for absent classes
            (listed as "absent").
        class_names (Sequence[str]): ``C`` class names.
        palette (np.ndarray): ``(C, 3)`` uint8 colours of the bars.
        out_file (str): PNG to write.
        miou (float, optional): Drawn as a dashed line. Defaults to None.
    """
    count = len(class_names)
    fig = new_figure(
        8.0, max(3.0, _BAR * count + 1.4), DPI, layout='constrained')
    ax = fig.add_subplot()
    values = np.nan_to_num(iou, nan=0.0)
    ax.barh(range(count), values, color=palette[:count] / 255,
            edgecolor='black', linewidth=0.5)
    for index, value in enumerate(iou):
        text = 'absent' if math.isnan(value) else f'{value:.1f}'
        ax.text(min(values[index], 100) + 1, index, text, va='center',
                fontsize=_FONT - 1)
    ax.set_yticks(range(count))
    ax.set_yticklabels([f'{i} {name}' for i, name in enumerate(class_names)],
                       fontsize=_FONT)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel('IoU (%)', fontsize=_FONT + 1)
    title = 'Per-class IoU of the pseudo labels'
    if miou is not None and not math.isnan(miou):
        ax.axvline(miou, color='black', linestyle='--', linewidth=1)
        title += f' (mIoU {miou:.2f}, dashed)'
    ax.set_title(title, fontsize=_FONT + 2)
    ax.grid(axis='x', alpha=0.3)
    save_figure(fig, out_file)


def plot_class_frequency(pseudo_counts: np.ndarray,
                         class_names: Sequence[str],
                         palette: np.ndarray,
                         out_file: str,
                         gt_counts: Optional[np.ndarray] = None,
                         ignore_index: int = 255) -> None:
    """Draw the share of pixels per class in the pseudo labels (and GT).

    Args:
        pseudo_counts (np.ndarray): ``(C + 1,)`` pixel counts per class,
            the last entry for unassigned pixels.
        class_names (Sequence[str]): ``C`` class names.
        palette (np.ndarray): ``(C, 3)`` uint8 colours.
        out_file (str): PNG to write.
        gt_counts (np.ndarray, optional): ``(C + 1,)`` ground-truth counts,
            the last entry for ignored pixels. Defaults to None.
        ignore_index (int): Index of unassigned / ignored pixels, for the
            axis label. Defaults to 255.
    """
    all_counts = [pseudo_counts] + ([] if gt_counts is None else [gt_counts])
    shown = _shown_classes(*all_counts)
    names = [
        f'{i} {class_names[i]}' if i < len(class_names) else
        f'{ignore_index} {_UNASSIGNED} / ignore' for i in shown
    ]
    fig = new_figure(
        8.0, max(3.0, _BAR * len(shown) * len(all_counts) + 1.6), DPI,
        layout='constrained')
    ax = fig.add_subplot()
    height = 0.8 / len(all_counts)
    colours = np.vstack([palette / 255, [IGNORE_GREY]])[shown]
    # Pseudo labels in the class colour, ground truth as hatched outlines.
    styles = [('pseudo label', dict(color=colours)),
              ('ground truth', dict(color='white', hatch='////'))]
    for rank, counts in enumerate(all_counts):
        what, style = styles[rank]
        share = 100 * counts[shown] / max(int(counts.sum()), 1)
        offsets = np.arange(len(shown)) + (
            rank - (len(all_counts) - 1) / 2) * height
        ax.barh(offsets, share, height=height, edgecolor='black',
                linewidth=0.5, label=what, **style)
        for offset, value in zip(offsets, share):
            ax.text(value, offset, f' {value:.1f}', va='center',
                    fontsize=_FONT - 2)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(names, fontsize=_FONT)
    ax.invert_yaxis()
    ax.set_xlabel('share of pixels (%)', fontsize=_FONT + 1)
    ax.set_title('Class frequency', fontsize=_FONT + 2)
    ax.grid(axis='x', alpha=0.3)
    if gt_counts is not None:
        ax.legend(
            handles=[
                Patch(facecolor=IGNORE_GREY, edgecolor='black',
                      label='pseudo label (class colour)'),
                Patch(facecolor='white', edgecolor='black', hatch='////',
                      label='ground truth')
            ],
            fontsize=_FONT,
            loc='lower right')
    save_figure(fig, out_file)
