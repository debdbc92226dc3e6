"""Simulate zero-shot (SAM + CLIP) pseudo labels from ground truth.

Errors are made per segment, as a SAM + CLIP labeller makes them: a whole
object segment gets a wrong class or none, small objects vanish, masks
spill over or shrink at the boundary, and background segments are
sometimes taken for an object. Every random draw is made whatever the
rates, so a lower quality adds errors to those of a higher one (the same
seed gives nested error sets, and mIoU falls monotonically in practice).
"""
import glob
import os
import os.path as osp
import zlib
from collections import Counter
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .io import (IGNORE_INDEX, label_palette, read_label_png, read_split_stems,
                 write_png)
from .noise_model import PseudoLabelNoise
from .shapes import PALETTE

# uniform draws per object segment, in this order
_U_MISS, _U_SMALL, _U_SWAP, _U_BIAS, _U_CLASS, _U_EDGE, _U_DIR, _U_RAD = \
    range(8)


def disk(radius: int) -> np.ndarray:
    """Digital disk {(dx, dy): dx^2 + dy^2 <= r^2} as a uint8 kernel."""
    d = np.arange(-radius, radius + 1)
    return (d[:, None]**2 + d[None, :]**2 <= radius**2).astype(np.uint8)


def confusion_partners(num_classes: int, seed: int) -> Dict[int, int]:
    """A seeded derangement of the object classes 1..C-1.

    Class c's systematic confusion goes to ``partners[c]`` (never c).
    """
    objects = np.arange(1, num_classes)
    if objects.size < 2:
        return {}
    rng = np.random.default_rng([seed, 0xC0F])
    while True:
        perm = rng.permutation(objects)
        if not np.any(perm == objects):
            return dict(zip(objects.tolist(), perm.tolist()))


def object_segments(gt: np.ndarray,
                    instance_map: Optional[np.ndarray] = None,
                    ignore_index: int = IGNORE_INDEX
                    ) -> List[Tuple[np.ndarray, int]]:
    """Object segments of an image as ``(mask, class)`` pairs.

    With an instance map, one segment per instance id > 0 (its class is the
    most frequent ground-truth class under it). Without, one per
    8-connected component of each object class, so the simulator also runs
    on datasets without instances.
    """
    segments = []
    if instance_map is not None:
        for k in np.unique(instance_map):
            mask = instance_map == k
            labels = gt[mask]
            labels = labels[(labels != 0) & (labels != ignore_index)]
            if k == 0 or labels.size == 0:
                continue
            segments.append((mask, int(np.bincount(labels).argmax())))
        return segments
    for c in np.unique(gt):
        if c == 0 or c == ignore_index:
            continue
        count, comp = cv2.connectedComponents((gt == c).astype(np.uint8),
                                              connectivity=8)
        segments.extend((comp == i, int(c)) for i in range(1, count))
    return segments


def simulate_label(gt: np.ndarray,
                   noise: PseudoLabelNoise,
                   rng: np.random.Generator,
                   num_classes: int,
                   instance_map: Optional[np.ndarray] = None,
                   partners: Optional[Dict[int, int]] = None,
                   unassigned_label: int = 0,
                   ignore_index: int = IGNORE_INDEX,
                   stats: Optional[Counter] = None,
                   segments_out: Optional[List[np.ndarray]] = None
                   ) -> np.ndarray:
    """Simulated zero-shot label of one image.

    Args:
        gt (np.ndarray): uint8 (H, W) class indices; 0 is background.
        noise (PseudoLabelNoise): error rates.
        rng (np.random.Generator): the image's generator.
        num_classes (int): classes including background.
        instance_map (np.ndarray, optional): (H, W) instance ids, 0 = none.
            Defaults to None (connected components of ``gt``).
        partners (dict[int, int], optional): systematic confusion of each
            class (:func:`confusion_partners`). Defaults to None (uniform).
        unassigned_label (int): label of missed objects and eroded rims
            (0 = background, or 255 = ignore). Defaults to 0.
        ignore_index (int): ignored pixels of ``gt``, kept as they are.
            Defaults to 255.
        stats (Counter, optional): incremented per error type.
            Defaults to None.
        segments_out (list, optional): receives the (H, W) bool segments the
            errors were decided on, as SAM would have cut them: each object
            as painted (with its boundary error), each missed object whole,
            and each background cell (the Voronoi cells of the false
            positives, inside the ground-truth background). The label does
            not depend on it. Defaults to None.

    Returns:
        np.ndarray: uint8 (H, W) pseudo label.
    """
    stats = Counter() if stats is None else stats
    h, w = gt.shape
    valid = gt != ignore_index
    if gt[valid].size and int(gt[valid].max()) >= num_classes:
        raise ValueError(f'Ground truth holds class {int(gt[valid].max())} '
                         f'but num_classes is {num_classes}; pass the right '
                         'number of classes (background included).')
    out = np.where(valid, 0, ignore_index).astype(np.uint8)
    segments = object_segments(gt, instance_map, ignore_index)
    # every draw is made whatever the rates (nested errors across qualities)
    draws = rng.random((len(segments), 8))
    seeds = rng.uniform(0, 1, (noise.background_segments, 2)) * (h, w)
    fp_draws = rng.random((noise.background_segments, 2))

    cells = None
    if segments_out is not None and noise.background_segments:
        cells = _voronoi_cells(h, w, seeds)
        segments_out.extend(region for region in (
            (gt == 0) & (cells == j)
            for j in range(noise.background_segments)) if region.any())
    if noise.background_fp_rate > 0 and num_classes > 1:
        cells = _voronoi_cells(h, w, seeds) if cells is None else cells
        for j, (u_fp, u_cls) in enumerate(fp_draws):
            region = (gt == 0) & (cells == j)
            if u_fp < noise.background_fp_rate and region.any():
                out[region] = 1 + int(u_cls * (num_classes - 1))
                stats['background_fp'] += 1

    small_area = noise.small_area_frac * h * w
    kept = []
    for (mask, cls), u in zip(segments, draws):
        area = int(mask.sum())
        if area < small_area and u[_U_SMALL] < noise.small_miss_rate:
            out[mask] = unassigned_label
            stats['small_lost'] += 1
        elif u[_U_MISS] < noise.miss_rate:
            out[mask] = unassigned_label
            stats['missed'] += 1
        else:
            kept.append((area, mask, cls, u))
    # largest first so that smaller segments win overlaps (the annotator's
    # painting order); the sort is stable, so ties keep instance order
    for _, mask, cls, u in sorted(kept, key=lambda t: -t[0]):
        label = cls
        if u[_U_SWAP] < noise.swap_rate and num_classes > 2:
            label = _wrong_class(cls, u, num_classes, partners,
                                 noise.confusion_bias)
            stats['swapped'] += 1
        region = mask
        if u[_U_EDGE] < noise.boundary_rate:
            lo, hi = noise.min_boundary_px, noise.max_boundary_px
            kernel = disk(min(lo + int(u[_U_RAD] * (hi - lo + 1)), hi))
            if u[_U_DIR] < noise.dilate_prob:
                grown = cv2.dilate(mask.astype(np.uint8), kernel) > 0
                region = grown & valid
                stats['dilated'] += 1
            else:
                # BORDER_REPLICATE: the image border does not erode a mask
                region = cv2.erode(
                    mask.astype(np.uint8),
                    kernel,
                    borderType=cv2.BORDER_REPLICATE) > 0
                out[mask & ~region] = unassigned_label
                stats['eroded'] += 1
        out[region] = label
        if segments_out is not None:
            segments_out.append(region)
    if segments_out is not None:  # missed and lost objects are cut too
        painted = {id(mask) for _, mask, _, _ in kept}
        segments_out.extend(mask for mask, _ in segments
                            if id(mask) not in painted)
    return out


def _voronoi_cells(h: int, w: int, seeds: np.ndarray) -> np.ndarray:
    """Index of the nearest seed ``(y, x)`` for every pixel, (H, W)."""
    ys, xs = np.mgrid[0:h, 0:w]
    d2 = (ys[..., None] - seeds[:, 0])**2 + (xs[..., None] - seeds[:, 1])**2
    return d2.argmin(axis=-1)


def _wrong_class(cls: int, u: np.ndarray, num_classes: int,
                 partners: Optional[Dict[int, int]], bias: float) -> int:
    """The class a swapped segment of class ``cls`` gets."""
    if partners and u[_U_BIAS] < bias:
        return partners[cls]
    choices = [c for c in range(1, num_classes) if c != cls]
    return choices[int(u[_U_CLASS] * len(choices))]


def _write_segments(segments_dir: str, stem: str, size: Tuple[int, int],
                    masks: List[np.ndarray]) -> None:
    """One image's segments as an annotation cache file."""
    from mmseg_zsl.annotation.cache import ImageRecord
    from mmseg_zsl.annotation.output_dir import CACHE_DIR, output_paths
    os.makedirs(osp.join(segments_dir, CACHE_DIR), exist_ok=True)
    stacked = np.stack(masks) if masks else np.zeros((0, *size), bool)
    ImageRecord(tuple(size), ImageRecord.encode_masks(stacked)).save(
        output_paths(segments_dir, stem)[1])


def _image_rng(seed: int, stem: str) -> np.random.Generator:
    """Per-image generator, independent of processing order."""
    return np.random.default_rng([seed, zlib.crc32(stem.encode('utf-8'))])


def simulate_pseudo_labels(gt_dir: str,
                           instance_dir: Optional[str],
                           out_dir: str,
                           quality: float = 0.5,
                           seed: int = 0,
                           split_file: Optional[str] = None,
                           num_classes: Optional[int] = None,
                           unassigned_label: int = 0,
                           ignore_index: int = IGNORE_INDEX,
                           show_progress: bool = True,
                           segments_dir: Optional[str] = None,
                           **noise_overrides) -> Dict:
    """Write simulated zero-shot pseudo labels ``<out_dir>/<stem>.png``.

    Args:
        gt_dir (str): ground-truth class-index PNGs ``<stem>.png``.
        instance_dir (str, optional): instance-id PNGs ``<stem>.png``
            (the toy world's ``instances/``); None uses connected components.
        out_dir (str): destination pseudo-label directory.
        quality (float): 1 = perfect labels, 0 = worst; see
            :meth:`PseudoLabelNoise.from_quality`. Defaults to 0.5.
        seed (int): seed of the errors. Defaults to 0.
        split_file (str, optional): only the images listed (UniMatch or
            mmseg ann-file lines). Defaults to None (every PNG of gt_dir).
        num_classes (int, optional): classes including background.
            Defaults to None (largest label found + 1).
        unassigned_label (int): label of missed objects and eroded rims, 0
            or 255. Defaults to 0.
        ignore_index (int): ignore label of the ground truth.
            Defaults to 255.
        show_progress (bool): show a progress bar. Defaults to True.
        segments_dir (str, optional): also write the segments the errors
            were decided on (see :func:`simulate_label`) as an annotation
            cache, ``<segments_dir>/cache/<stem>.npz``, which
            ``tools/refine_pseudo_labels.py --segments`` reads. Defaults to
            None.
        **noise_overrides: fields of :class:`PseudoLabelNoise`.

    Returns:
        dict: ``num_images``, ``pixel_accuracy`` (over non-ignored ground
        truth), error ``counts`` and the ``noise`` settings.
    """
    if unassigned_label not in (0, ignore_index):
        raise ValueError(f'unassigned_label must be 0 or {ignore_index}, '
                         f'got {unassigned_label}.')
    noise = PseudoLabelNoise.from_quality(quality, **noise_overrides)
    if split_file is not None:
        stems = read_split_stems(split_file)
    else:
        stems = sorted(
            osp.splitext(osp.basename(p))[0]
            for p in glob.glob(osp.join(gt_dir, '*.png')))
    if not stems:
        raise FileNotFoundError(f'No ground-truth PNGs found in {gt_dir}.')

    def gt_of(stem: str) -> np.ndarray:
        return read_label_png(osp.join(gt_dir, f'{stem}.png'))

    if num_classes is None:  # one extra read pass, nothing kept in memory
        num_classes = 1 + max(
            int(g[g != ignore_index].max(initial=0))
            for g in map(gt_of, stems))
    partners = confusion_partners(num_classes, seed)
    palette = label_palette() if num_classes <= len(PALETTE) else None

    bar = None
    if show_progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(stems))
    stats, correct, total = Counter(), 0, 0
    for stem in stems:
        gt = gt_of(stem)
        inst = None
        if instance_dir is not None:
            inst = read_label_png(osp.join(instance_dir, f'{stem}.png'))
        cut = None if segments_dir is None else []
        label = simulate_label(gt, noise, _image_rng(seed, stem),
                               num_classes, inst, partners, unassigned_label,
                               ignore_index, stats, cut)
        write_png(osp.join(out_dir, f'{stem}.png'), label, palette)
        if cut is not None:
            _write_segments(segments_dir, stem, gt.shape, cut)
        valid = gt != ignore_index
        correct += int((label[valid] == gt[valid]).sum())
        total += int(valid.sum())
        if bar is not None:
            bar.update()
    return dict(
        num_images=len(stems),
        pixel_accuracy=correct / max(total, 1),
        counts=dict(stats),
        noise=noise.to_dict(),
        quality=quality,
        out_dir=out_dir)
