"""Visual report of a pseudo-label directory (sheets, charts, index.html)."""
import glob
import json
import math
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.utils import ProgressBar

from mmseg_zsl.utils.files import atomic_write_text
from .charts import plot_class_frequency, plot_confusion_matrix, plot_iou_bars
from .files import match_files, read_image, read_label
from .html_index import write_index_html
from .metrics import iou_from_confusion, mean_iou
from .palette import resolve_palette
from .scan import ScanResult, scan_labels
from .sheet import SheetRow, render_sheet

ORDERS = ('random', 'worst')
SHEET_PATTERN = 'sheet_{:03d}.png'
CHART_FILES = dict(
    iou='iou_per_class.png',
    confusion='confusion_matrix.png',
    frequency='class_frequency.png')


def _nan_to_none(value: float) -> Optional[float]:
    return None if math.isnan(value) else float(value)


def select_images(stems: Sequence[str], num: int, order: str,
                  image_miou: Dict[str, float], seed: int = 0) -> List[str]:
    """Pick the images to show.

    Args:
        stems (Sequence[str]): Candidate stems.
        num (int): How many to pick (fewer if there are fewer stems).
        order (str): ``'random'`` (seeded) or ``'worst'`` (lowest per-image
            mIoU first; images without a score last).
        image_miou (dict[str, float]): Per-image mIoU, needed for 'worst'.
        seed (int): Seed of the random order. Defaults to 0.

    Returns:
        list[str]: The chosen stems in display order.
    """
    if order == 'random':
        permutation = np.random.default_rng(seed).permutation(len(stems))
        return [stems[i] for i in permutation[:num]]
    assert order == 'worst', f'order must be one of {ORDERS}, got {order!r}'

    def key(stem: str):
        score = image_miou[stem]
        return (math.isnan(score), score, stem)

    return sorted(stems, key=key)[:num]


def _check_arguments(out_dir: str, label_dirs: Sequence[Optional[str]],
                     num: int, rows_per_sheet: int, order: str,
                     has_gt: bool, class_names: Optional[Sequence[str]],
                     ignore_index: int) -> None:
    if num < 1 or rows_per_sheet < 1:
        raise ValueError(f'num and rows_per_sheet must be >= 1, got {num} '
                         f'and {rows_per_sheet}.')
    if order not in ORDERS:
        raise ValueError(f'order must be one of {ORDERS}, got {order!r}.')
    if order == 'worst' and not has_gt:
        raise ValueError("order='worst' ranks images by mIoU and needs "
                         'ground truth: pass --gt-dir, or use --order random.')
    if ignore_index < 0:
        raise ValueError(f'ignore_index must be >= 0, got {ignore_index}.')
    if class_names is not None and not class_names:
        raise ValueError('class_names is empty; give one name per class.')
    if class_names is not None and len(class_names) > ignore_index:
        raise ValueError(
            f'ignore_index {ignore_index} is a class index for '
            f'{len(class_names)} classes; it must be >= the number of '
            'classes (255 for the pseudo-label format).')
    out_real = os.path.realpath(out_dir)
    for label_dir in label_dirs:
        if label_dir and os.path.realpath(label_dir) == out_real:
            raise ValueError(
                f'The output directory {out_dir!r} is a label directory; '
                'the sheets would be taken for labels. Choose another --out.')


def _render_sheets(selected: List[str], scan: ScanResult, files,
                   palette: np.ndarray, out_dir: str, rows_per_sheet: int,
                   ignore_index: int) -> List[str]:
    """Write the sheets; return their file names."""
    # Sheets of an earlier, larger report would be mistaken for this one's.
    for stale in glob.glob(os.path.join(out_dir, 'sheet_*.png')):
        if re.fullmatch(r'sheet_\d{3}\.png', os.path.basename(stale)):
            os.remove(stale)
    titles = ['image', 'pseudo label']
    if files.gt:
        titles.append('ground truth')
    names: List[str] = []
    progress = ProgressBar(len(selected))
    for start in range(0, len(selected), rows_per_sheet):
        rows = []
        for stem in selected[start:start + rows_per_sheet]:
            labels = [read_label(files.pseudo[stem])]
            title = stem
            if files.gt:
                labels.append(read_label(files.gt[stem]))
                score = scan.image_miou[stem]
                title += ('   mIoU n/a (no labelled pixel)' if math.isnan(
                    score) else f'   mIoU {score:.1f}')
            rows.append(SheetRow(title, read_image(files.images[stem]),
                                 labels))
            progress.update()
        names.append(SHEET_PATTERN.format(len(names)))
        render_sheet(rows, titles, scan.class_names, palette,
                     os.path.join(out_dir, names[-1]), ignore_index)
    print()
    return names


def report_pseudo_labels(pseudo_dir: str,
                         img_dir: str,
                         out_dir: str,
                         gt_dir: Optional[str] = None,
                         num: int = 16,
                         order: Optional[str] = None,
                         seed: int = 0,
                         class_names: Optional[Sequence[str]] = None,
                         palette: Union[None, str, Sequence,
                                        np.ndarray] = None,
                         ignore_index: int = 255,
                         rows_per_sheet: int = 8) -> Dict[str, Any]:
    """Write sheets, charts, ``report.json`` and ``index.html`` to a folder.

    Every image matched by stem is read once to check label sizes and
    indices and, with ground truth, to score it (IoU as mmseg's
    ``IoUMetric``); then ``num`` images are drawn as image / pseudo label /
    ground truth rows, ``rows_per_sheet`` rows per ``sheet_NNN.png``. An
    image with an unreadable file is left out and listed under ``failed``.

    Args:
        pseudo_dir (str): Directory of ``<stem>.png`` pseudo labels.
        img_dir (str): Directory of the images.
        out_dir (str): Output directory (created).
        gt_dir (str, optional): Directory of ``<stem>.png`` ground truth.
            Defaults to None.
        num (int): Images to show. Defaults to 16.
        order (str, optional): ``'random'`` or ``'worst'`` (lowest mIoU
            first). Defaults to None: 'worst' with ground truth, else
            'random'.
        seed (int): Seed of the random order. Defaults to 0.
        class_names (Sequence[str], optional): Name of each class index.
            Defaults to None: ``class i`` up to the largest index seen.
        palette (None | str | sequence | np.ndarray): Class colours: None
            or 'voc' for the VOC colour map, a palette file, or RGB rows.
            Defaults to None.
        ignore_index (int): Ignored ground truth / unassigned pseudo label.
            Defaults to 255.
        rows_per_sheet (int): Images per sheet. Defaults to 8.

    Returns:
        dict: The content of ``report.json`` plus ``out_dir``.
    """
    order = order or ('worst' if gt_dir else 'random')
    _check_arguments(out_dir, (pseudo_dir, gt_dir), num, rows_per_sheet,
                     order, gt_dir is not None, class_names, ignore_index)
    files = match_files(pseudo_dir, img_dir, gt_dir)
    scan = scan_labels(files, class_names, ignore_index)
    colours = resolve_palette(palette, len(scan.class_names))
    selected = select_images(scan.stems, num, order, scan.image_miou, seed)
    os.makedirs(out_dir, exist_ok=True)
    sheets = _render_sheets(selected, scan, files, colours, out_dir,
                            rows_per_sheet, ignore_index)

    charts = {'class frequency': CHART_FILES['frequency']}
    plot_class_frequency(scan.pseudo_counts, scan.class_names, colours,
                         os.path.join(out_dir, CHART_FILES['frequency']),
                         scan.gt_counts, ignore_index)
    report: Dict[str, Any] = dict(
        pseudo_dir=pseudo_dir, img_dir=img_dir, gt_dir=gt_dir,
        num_images=len(scan.stems),
        failed=scan.failed,
        pseudo_without_image=files.pseudo_without_image,
        pseudo_without_gt=files.pseudo_without_gt,
        order=order, seed=seed, ignore_index=ignore_index,
        classes=scan.class_names, miou=None)
    if scan.matrix is not None:
        iou = iou_from_confusion(scan.matrix)
        report['miou'] = _nan_to_none(mean_iou(iou))
        report['per_class_iou'] = [_nan_to_none(v) for v in iou]
        report['per_image_miou'] = {
            stem: _nan_to_none(v) for stem, v in scan.image_miou.items()}
        report['confusion_matrix'] = dict(
            rows='ground truth', columns=scan.class_names + ['unassigned'],
            counts=scan.matrix.tolist())
        plot_iou_bars(iou, scan.class_names, colours,
                      os.path.join(out_dir, CHART_FILES['iou']),
                      report['miou'])
        plot_confusion_matrix(scan.matrix, scan.class_names,
                              os.path.join(out_dir, CHART_FILES['confusion']),
                              ignore_index)
        charts = {'per-class IoU': CHART_FILES['iou'],
                  'confusion matrix': CHART_FILES['confusion'], **charts}
    report['pixel_counts'] = dict(
        columns=scan.class_names + ['ignore / unassigned'],
        pseudo=scan.pseudo_counts.tolist(),
        gt=None if scan.gt_counts is None else scan.gt_counts.tolist())
    report.update(shown=selected, sheets=sheets, charts=charts)
    atomic_write_text(
        os.path.join(out_dir, 'report.json'),
        json.dumps(report, indent=2) + '\n')

    sheet_of = {stem: sheets[i // rows_per_sheet]
                for i, stem in enumerate(selected)}
    summary = [('pseudo labels', pseudo_dir), ('images', img_dir),
               ('ground truth', gt_dir or 'none'),
               ('images matched', str(len(files.stems))),
               ('unreadable, left out', str(len(scan.failed))),
               ('images shown', f'{len(selected)} ({order} order'
                + (f', seed {seed})' if order == 'random' else ')'))]
    if report['miou'] is not None:
        summary.append(('mIoU (%)', f'{report["miou"]:.2f}'))
    write_index_html(
        os.path.join(out_dir, 'index.html'), summary, charts, sheets,
        [(stem, scan.image_miou.get(stem), sheet_of[stem])
         for stem in selected])
    return dict(report, out_dir=out_dir)
