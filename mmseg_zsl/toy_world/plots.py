"""Figures of the toy-world comparison: predictions and mIoU curves."""
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmseg_zsl.visualization.output import new_figure, save_figure
from mmseg_zsl.visualization.palette import colorize_label
from .shapes import PALETTE


def mean_and_spread(rows: Sequence[Dict], group_keys: Tuple[str, ...],
                    value_key: str = 'miou') -> Dict[Tuple, Tuple]:
    """Mean, sample standard deviation and count of a value per group.

    Args:
        rows (Sequence[dict]): Result rows.
        group_keys (tuple[str]): Keys that define a group.
        value_key (str): The value to summarise. Defaults to 'miou'.

    Returns:
        dict: ``{group values: (mean, std, n)}``; std is 0 for one run.
    """
    groups = defaultdict(list)
    for row in rows:
        groups[tuple(row[key] for key in group_keys)].append(
            float(row[value_key]))
    summary = {}
    for group, values in groups.items():
        std = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        summary[group] = (float(np.mean(values)), std, len(values))
    return summary


def plot_miou_vs_labeled(rows: Sequence[Dict], path: str,
                         title: str) -> None:
    """mIoU against labeled count, one line per method (mean ± std)."""
    summary = mean_and_spread(rows, ('method', 'labeled'))
    methods = sorted({method for method, _ in summary})
    fig = new_figure(6, 4, 120, layout='constrained')
    ax = fig.add_subplot()
    for method in methods:
        counts = sorted(n for m, n in summary if m == method)
        means = np.array([summary[(method, n)][0] for n in counts])
        stds = np.array([summary[(method, n)][1] for n in counts])
        ax.errorbar(counts, means, yerr=stds, marker='o', capsize=3,
                    label=method)
    ax.set_xscale('log', base=2)
    ax.set_xticks(sorted({n for _, n in summary}))
    ax.get_xaxis().set_major_formatter('{x:.0f}')
    ax.set_xlabel('labeled images')
    ax.set_ylabel('val mIoU (%)')
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, path)


def plot_prediction_grid(rows: List[Tuple[np.ndarray, List[np.ndarray]]],
                         column_titles: Sequence[str], path: str) -> None:
    """Image, then coloured label maps, one row per example image.

    Args:
        rows (list): ``(RGB image, [label maps])`` per row.
        column_titles (Sequence[str]): Titles: image first, then one per
            label map.
        path (str): Output PNG.
    """
    palette = np.asarray(PALETTE, dtype=np.uint8)
    num_cols = len(column_titles)
    fig = new_figure(1.6 * num_cols, 1.7 * len(rows), 100,
                     layout='constrained')
    axes = fig.subplots(len(rows), num_cols, squeeze=False)
    for r, (image, labels) in enumerate(rows):
        panels = [image] + [colorize_label(label, palette) for label in labels]
        for c, panel in enumerate(panels):
            ax = axes[r][c]
            ax.imshow(panel, interpolation='nearest')
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(column_titles[c], fontsize=8)
    save_figure(fig, path)
