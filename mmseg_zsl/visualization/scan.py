"""One pass over a pseudo-label directory: validate, count and score."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.utils import ProgressBar

from .files import MatchedFiles, image_size, read_label
from .metrics import confusion_matrix, iou_from_confusion, mean_iou

# Class-index PNGs hold 8 bits: without class names, every value below the
# ignore index may be a class.
_PNG_VALUES = 256


@dataclass
class ScanResult:
    """What a pass over every matched image found.

    Args:
        class_names (list[str]): Given names, or ``class i`` up to the
            largest index seen.
        matrix (np.ndarray, optional): ``(C, C + 1)`` confusion matrix over
            all images (last column: unassigned); None without ground truth.
        pseudo_counts (np.ndarray): ``(C + 1,)`` pseudo-label pixels per
            class, the last entry unassigned.
        gt_counts (np.ndarray, optional): ``(C + 1,)`` ground-truth pixels
            per class, the last entry ignored.
        image_miou (dict[str, float]): Per-image mIoU (%) by stem; NaN when
            the image has no labelled pixel. Empty without ground truth.
        stems (list[str]): The stems read and counted.
        failed (list[list[str]]): ``[pseudo label, reason]`` of the stems
            left out because a file of theirs could not be read.
    """
    class_names: List[str]
    matrix: Optional[np.ndarray]
    pseudo_counts: np.ndarray
    gt_counts: Optional[np.ndarray]
    image_miou: Dict[str, float] = field(default_factory=dict)
    stems: List[str] = field(default_factory=list)
    failed: List[List[str]] = field(default_factory=list)


def _histogram(label: np.ndarray, path: str, what: str, bins: int,
               ignore_index: int, class_names: Optional[Sequence[str]],
               ) -> np.ndarray:
    """Count pixels per index after checking every index is a class."""
    if label.size and int(label.min()) < 0:
        raise ValueError(f'{what} {path} holds negative values; expected '
                         'class indices >= 0.')
    counts = np.bincount(label.ravel(), minlength=max(bins, ignore_index + 1))
    present = np.flatnonzero(counts)
    bad = present[(present >= bins) & (present != ignore_index)]
    if bad.size:
        if class_names is not None:
            known = (f'only {len(class_names)} class names are known '
                     f'(indices 0-{len(class_names) - 1}, {ignore_index} = '
                     'ignore)')
            fix = ('Pass the class list the labels were made with '
                   '(--classes FILE or --config DATASET_CONFIG)')
        else:
            known = (f'without class names every index must be below the '
                     f'ignore index {ignore_index} (or {_PNG_VALUES})')
            fix = 'Pass --ignore-index or convert the labels to 8-bit indices'
        if what == 'ground truth':
            fix += (', and check that the ground truth uses the same class '
                    'indices as the pseudo labels (e.g. reduce_zero_label)')
        raise ValueError(f'{what} {path} holds class index '
                         f'{bad[:5].tolist()}, but {known}. {fix}.')
    return counts


def scan_labels(files: MatchedFiles,
                class_names: Optional[Sequence[str]] = None,
                ignore_index: int = 255) -> ScanResult:
    """Check sizes and indices of every matched file and score it.

    A stem whose pseudo label, image or ground truth cannot be read (not a
    decodable image) is left out and listed in ``failed``; wrong sizes or
    class indices stop the scan (a wrong folder or class list, not one bad
    file).

    Args:
        files (MatchedFiles): Output of
            :func:`~mmseg_zsl.visualization.files.match_files`.
        class_names (Sequence[str], optional): Known class names. Without
            them the number of classes is the largest index seen plus one.
            Defaults to None.
        ignore_index (int): Ignored / unassigned index. Defaults to 255.

    Returns:
        ScanResult: Counts, confusion matrix and per-image mIoU.
    """
    if class_names is not None:
        bins = len(class_names)
    else:
        bins = ignore_index if 0 < ignore_index < _PNG_VALUES else _PNG_VALUES
    matrix = np.zeros((bins, bins + 1), np.int64) if files.gt else None
    pseudo_counts = np.zeros(max(bins, ignore_index + 1), np.int64)
    gt_counts = pseudo_counts.copy() if files.gt else None
    image_miou: Dict[str, float] = {}
    stems, failed = [], []
    progress = ProgressBar(len(files.stems))
    for stem in files.stems:
        pred_path, img_path = files.pseudo[stem], files.images[stem]
        try:
            pred = read_label(pred_path)
            img_height, img_width = image_size(img_path)
            gt = read_label(files.gt[stem]) if files.gt else None
        except OSError as error:  # PIL: missing, truncated, not an image
            failed.append([pred_path, f'cannot read: {error}'])
            progress.update()
            continue
        if pred.shape != (img_height, img_width):
            raise ValueError(
                f'Pseudo label {pred_path} is {pred.shape[1]}x{pred.shape[0]}'
                f' (WxH) but image {img_path} is {img_width}x{img_height}; '
                "pseudo labels must have their image's size. Check that "
                '--img-dir holds the images they were made from.')
        pseudo_counts += _histogram(pred, pred_path, 'pseudo label', bins,
                                    ignore_index, class_names)
        if files.gt:
            gt_path = files.gt[stem]
            if gt.shape != pred.shape:
                raise ValueError(
                    f'Ground truth {gt_path} is {gt.shape[1]}x{gt.shape[0]} '
                    f'(WxH) but pseudo label {pred_path} is {pred.shape[1]}x'
                    f'{pred.shape[0]}; check that --gt-dir and the pseudo '
                    'labels belong to the same images.')
            gt_counts += _histogram(gt, gt_path, 'ground truth', bins,
                                    ignore_index, class_names)
            image_matrix = confusion_matrix(gt, pred, bins, ignore_index)
            matrix += image_matrix
            image_miou[stem] = mean_iou(iou_from_confusion(image_matrix))
        stems.append(stem)
        progress.update()
    print()  # ProgressBar leaves the cursor on its line
    if failed and not stems:
        raise ValueError(
            f'None of the {len(failed)} matched pseudo labels could be read '
            f'with its image (first: {failed[0][1]}); check the folders.')
    # Trim the index space to the classes that exist.
    if class_names is None:
        seen = np.flatnonzero(pseudo_counts[:bins] + (
            gt_counts[:bins] if gt_counts is not None else 0))
        num_classes = int(seen.max()) + 1 if seen.size else 1
        class_names = [f'class {i}' for i in range(num_classes)]
    num_classes = len(class_names)
    keep = list(range(num_classes))

    def with_ignore(counts: np.ndarray) -> np.ndarray:
        return np.append(counts[keep], counts[ignore_index])

    return ScanResult(
        class_names=list(class_names),
        matrix=(matrix[np.ix_(keep, keep + [bins])]
                if matrix is not None else None),
        pseudo_counts=with_ignore(pseudo_counts),
        gt_counts=with_ignore(gt_counts) if gt_counts is not None else None,
        image_miou=image_miou,
        stems=stems,
        failed=failed)
