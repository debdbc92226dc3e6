"""Scoring an assignment of labels to segments without painting.

:func:`areas_from_mask_labels` gives the IoU areas of the label maps that
:func:`~mmseg_zsl.annotation.painting.paint_label_map` would paint;
:func:`evaluate_exact` labels the segments with
:func:`~mmseg_zsl.annotation.zero_shot.assignment.assign_labels` image by
image, the very call (inputs, shapes and dtypes) that ``--relabel`` makes,
so its numbers are those of the written label files.
"""
from contextlib import contextmanager
from typing import Iterator, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from mmseg_zsl.annotation.zero_shot.assignment import assign_labels
from .calibration_data import CalibrationData
from .metrics import IoUAreas


def atom_areas(data: CalibrationData, atoms: np.ndarray,
               labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """``(C,)`` intersections and predicted areas of ``atoms`` labelled
    ``labels`` (labels outside ``[0, C)`` count nowhere)."""
    num_classes = data.num_classes
    labels = np.asarray(labels, dtype=np.int64)
    counted = (labels >= 0) & (labels < num_classes)
    atoms, labels = atoms[counted], labels[counted]
    pred = np.bincount(
        labels, weights=data.atom_pixels[atoms], minlength=num_classes)
    intersect = np.bincount(
        labels, weights=data.gt_pixels(atoms, labels),
        minlength=num_classes)
    return (np.rint(intersect).astype(np.int64),
            np.rint(pred).astype(np.int64))


def atom_winners(data: CalibrationData, atoms: np.ndarray,
                 mask_label: np.ndarray, unassigned_label: int) -> np.ndarray:
    """Painted label of each of ``atoms`` (sorted ids) given mask labels.

    Args:
        atoms (np.ndarray): Sorted global atom ids.
        mask_label (np.ndarray): ``(M,)`` label of every mask, -1 for
            unassigned masks.
        unassigned_label (int): Label of atoms no assigned mask covers.
    """
    pairs, local = data.pairs_of_atoms(atoms)
    labels = mask_label[data.pair_mask[pairs]]
    assigned = labels >= 0
    local, labels = local[assigned], labels[assigned]
    # Pairs run last-painted first within an atom: its first assigned pair
    # is the mask that paints it last, i.e. the one that wins.
    first = np.ones(len(local), dtype=bool)
    first[1:] = local[1:] != local[:-1]
    out = np.full(len(atoms), unassigned_label, dtype=np.int64)
    out[local[first]] = labels[first]
    return out


def areas_from_mask_labels(data: CalibrationData, mask_label: np.ndarray,
                           unassigned_label: int) -> IoUAreas:
    """IoU areas of the painted label maps of all images.

    Args:
        data (CalibrationData): Atoms.
        mask_label (np.ndarray): ``(M,)`` label id of every mask, -1 for
            unassigned masks.
        unassigned_label (int): Label of pixels no assigned mask covers.
    """
    atoms = np.arange(data.num_atoms)
    labels = atom_winners(data, atoms,
                          np.asarray(mask_label, dtype=np.int64),
                          unassigned_label)
    intersect, pred = atom_areas(data, atoms, labels)
    return IoUAreas(intersect, pred, data.gt_area.copy())


@contextmanager
def single_threaded_torch() -> Iterator[None]:
    """Run tiny per-image torch ops on one thread (restored after).

    Handing a (K, D) x (D, C) product to a thread pool costs more than the
    product; on a busy CPU it can cost milliseconds per call.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def mask_labels_exact(data: CalibrationData, text_embeddings: Tensor,
                      thresholds: Union[float, Tensor],
                      text_class_ids: Sequence[int]) -> np.ndarray:
    """``(M,)`` label id (or -1) of every mask, as ``label_record`` gives.

    One :func:`assign_labels` call per image on the cached float16
    embeddings, as :func:`~mmseg_zsl.annotation.zero_shot.labeler.
    label_record` makes.
    """
    lut = np.asarray(list(text_class_ids) + [-1], dtype=np.int64)
    out = np.full(data.num_masks, -1, dtype=np.int64)
    text_embeddings = text_embeddings.float().cpu()
    with single_threaded_torch():
        for image, start in zip(data.images, data.mask_offsets[:-1]):
            if image.num_masks == 0:
                continue
            embeddings = torch.from_numpy(np.asarray(
                image.embeddings)).float()
            index, _ = assign_labels(embeddings, text_embeddings,
                                     thresholds)
            out[start:start + image.num_masks] = lut[index.numpy()]
    return out


def evaluate_exact(data: CalibrationData, text_embeddings: Tensor,
                   thresholds: Union[float, Tensor],
                   text_class_ids: Sequence[int],
                   unassigned_label: int) -> IoUAreas:
    """IoU areas of the labels ``--relabel`` would write (see module doc)."""
    labels = mask_labels_exact(data, text_embeddings, thresholds,
                               text_class_ids)
    return areas_from_mask_labels(data, labels, unassigned_label)


def text_scores(data: CalibrationData, text_embeddings: Tensor) -> np.ndarray:
    """``(M, C_text)`` float32 cosine similarities of all masks.

    The search's batched version of :func:`assign_labels`' similarities (one
    matrix product for the dataset, in numpy).
    """
    texts = torch.nn.functional.normalize(text_embeddings.float(), dim=-1)
    if data.num_masks == 0:
        return np.zeros((0, len(texts)), dtype=np.float32)
    return data.normalised_embeddings() @ texts.numpy().T


def best_of(scores: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Best text index ``(M,)`` int64 and its similarity ``(M,)`` float64.

    The float64 array holds float32 values exactly, so comparisons with
    float32 thresholds behave as in float32.
    """
    index = np.argmax(scores, axis=1) if scores.shape[1] else \
        np.zeros(len(scores), dtype=np.int64)
    values = np.take_along_axis(scores, index[:, None], axis=1)[:, 0]
    return index.astype(np.int64), values.astype(np.float64)
