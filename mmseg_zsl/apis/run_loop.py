"""The dataset run loop, shared by every annotator.

Output layout of ``out_dir``:

- ``labels/<stem>.png``: single-channel uint8 class indices, image size;
- ``cache/<stem>.npz``: the annotator's record (masks as COCO RLE, segment
  embeddings; see :mod:`mmseg_zsl.annotation.cache`);
- ``manifest.json``: models, parameters, classes, threshold, versions;
- ``summary.json``: the last run's counts, merged and per rank.

An image is done when both its label and its cache exist; the cache is
written first, so a run killed in between relabels that image from its cache
on resume. Every file is written atomically.
"""
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from mmseg_zsl.annotation.annotator import BaseAnnotator
from mmseg_zsl.annotation.cache import (CACHE_SUFFIX, ImageRecord,
                                        atomic_write_bytes,
                                        remove_stale_temp_files)
from .dist import DistInfo, all_gather, broadcast, init_process_group
from .inputs import check_unique_stems
from .manifest import read_manifest, write_manifest
from .summary import RunSummary

LABELS_DIR = 'labels'
CACHE_DIR = 'cache'
SUMMARY_NAME = 'summary.json'

Labeler = Callable[..., np.ndarray]


def read_image(path: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB, decoded as mmseg's LoadImageFromFile does."""
    import mmcv
    with open(path, 'rb') as file:
        content = file.read()
    try:
        image = mmcv.imfrombytes(
            content, flag='color', channel_order='rgb', backend='cv2')
    except Exception as error:  # cv2 raises cv2.error on undecodable data
        raise ValueError(f'cannot decode image: {error}') from error
    if image is None or image.ndim != 3 or image.size == 0:
        raise ValueError('cannot decode image')
    return image


def encode_label_png(label_map: np.ndarray) -> bytes:
    """Single-channel 8-bit PNG bytes of a label map."""
    import cv2
    if label_map.dtype != np.uint8 or label_map.ndim != 2:
        raise ValueError('A label map must be (H, W) uint8, got '
                         f'{label_map.dtype} {label_map.shape}.')
    ok, buffer = cv2.imencode('.png', label_map)
    assert ok, 'OpenCV failed to encode a PNG'
    return buffer.tobytes()


def output_paths(out_dir: str, stem: str) -> Tuple[str, str]:
    """``(label PNG, cache file)`` of an image stem."""
    return (osp.join(out_dir, LABELS_DIR, stem + '.png'),
            osp.join(out_dir, CACHE_DIR, stem + CACHE_SUFFIX))


def _write_label(path: str, label_map: np.ndarray) -> None:
    atomic_write_bytes(path, encode_label_png(label_map))


def _prepare(out_dir: str, dist: DistInfo,
             make_manifest: Callable[[Optional[Dict]], Dict]) -> Dict:
    """Rank 0 checks and writes the manifest; every rank gets it."""
    init_process_group(dist)
    for name in (LABELS_DIR, CACHE_DIR):
        os.makedirs(osp.join(out_dir, name), exist_ok=True)
    manifest, error = None, None
    if dist.rank == 0:
        try:
            manifest = make_manifest(read_manifest(out_dir))
            for name in (LABELS_DIR, CACHE_DIR):
                remove_stale_temp_files(osp.join(out_dir, name))
            write_manifest(out_dir, manifest)
        except Exception as exc:  # re-raised below, after telling the others
            error = exc
    manifest, message = broadcast(
        dist, (manifest, None if error is None else
               f'{type(error).__name__}: {error}'))
    if error is not None:
        raise error
    if message is not None:
        raise RuntimeError(f'rank 0 stopped the run: {message}')
    return manifest


def _finish(out_dir: str, summary: RunSummary, dist: DistInfo) -> RunSummary:
    """Merge the ranks' summaries; rank 0 writes ``summary.json``."""
    per_rank = all_gather(dist, summary.to_dict())
    fields = set(RunSummary.__dataclass_fields__)
    merged = RunSummary.merge([
        RunSummary(**{k: v
                      for k, v in item.items() if k in fields})
        for item in per_rank
    ])
    if dist.rank == 0:
        import json
        text = json.dumps(
            dict(merged.to_dict(), per_rank=per_rank), indent=2) + '\n'
        atomic_write_bytes(osp.join(out_dir, SUMMARY_NAME), text.encode())
    return merged


def _progress(total: int, desc: str, dist: DistInfo, enabled: bool) -> tqdm:
    # One bar (rank 0's shard) keeps multi-process logs readable.
    return tqdm(
        total=total,
        desc=desc,
        unit='img',
        disable=not enabled or dist.rank != 0,
        file=sys.stderr,
        dynamic_ncols=True)


def run_annotation(image_paths: Sequence[str],
                   out_dir: str,
                   annotator: BaseAnnotator,
                   labeler: Labeler,
                   make_manifest: Callable[[Optional[Dict]], Dict],
                   overwrite: bool = False,
                   dist: Optional[DistInfo] = None,
                   progress: bool = True) -> Tuple[RunSummary, RunSummary]:
    """Annotate images into ``out_dir`` (resumable, shardable).

    Args:
        image_paths (Sequence[str]): All images (every rank gets the same
            list and takes its shard).
        out_dir (str): Output directory (layout in the module docstring).
        annotator (BaseAnnotator): Image -> cache record.
        labeler (Callable): ``labeler(record, masks=None)`` -> label map.
        make_manifest (Callable): Existing manifest (or None) -> the
            manifest to write; raises if the run must not go on.
        overwrite (bool): Annotate done images again. Defaults to False.
        dist (DistInfo, optional): Defaults to torchrun's environment.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        tuple[RunSummary, RunSummary]: This rank's and all ranks' summary.
    """
    dist = dist or DistInfo.from_env()
    stems = check_unique_stems(image_paths)
    manifest = _prepare(out_dir, dist, make_manifest)
    items = dist.shard(list(zip(image_paths, stems)))
    summary = RunSummary(
        'annotate',
        total=len(items),
        untrained_models=bool(manifest.get('untrained_models')))
    start = time.perf_counter()
    with _progress(len(items), 'annotate', dist, progress) as bar:
        for path, stem in items:
            label_file, cache_file = output_paths(out_dir, stem)
            has_cache = osp.isfile(cache_file) and not overwrite
            if has_cache and osp.isfile(label_file):
                summary.skipped += 1
            elif has_cache:  # killed between cache and label: no SAM needed
                record = ImageRecord.from_file(cache_file)
                _write_label(label_file, labeler(record))
                summary.done += 1
                summary.num_masks += record.num_masks
            else:
                try:
                    image = read_image(path)
                except (OSError, ValueError) as error:
                    summary.failed.append([path, str(error)])
                    bar.write(f'annotate: skipped unreadable image {path}: '
                              f'{error}', file=sys.stderr)
                    bar.update()
                    continue
                result = annotator.annotate(image, path)
                result.record.save(cache_file)
                _write_label(label_file, labeler(result.record, result.masks))
                summary.done += 1
                summary.num_masks += result.record.num_masks
            bar.update()
    summary.seconds = time.perf_counter() - start
    return summary, _finish(out_dir, summary, dist)


def cached_stems(out_dir: str) -> List[str]:
    """Stems of every cached image of ``out_dir``, sorted."""
    directory = osp.join(out_dir, CACHE_DIR)
    if not osp.isdir(directory):
        return []
    return sorted(
        name[:-len(CACHE_SUFFIX)] for name in os.listdir(directory)
        if name.endswith(CACHE_SUFFIX) and not name.startswith('.'))


def run_relabel(stems: Sequence[str],
                out_dir: str,
                labeler: Labeler,
                make_manifest: Callable[[Optional[Dict]], Dict],
                dist: Optional[DistInfo] = None,
                progress: bool = True) -> Tuple[RunSummary, RunSummary]:
    """Rewrite the labels of ``stems`` from the cache (no SAM, no images).

    Stems without a cache file are reported as failed.
    """
    dist = dist or DistInfo.from_env()
    manifest = _prepare(out_dir, dist, make_manifest)
    items = dist.shard(list(stems))
    summary = RunSummary(
        'relabel',
        total=len(items),
        untrained_models=bool(manifest.get('untrained_models')))
    start = time.perf_counter()
    with _progress(len(items), 'relabel', dist, progress) as bar:
        for stem in items:
            label_file, cache_file = output_paths(out_dir, stem)
            if not osp.isfile(cache_file):
                summary.failed.append([stem, 'no cache: not annotated yet'])
            else:
                record = ImageRecord.from_file(cache_file)
                _write_label(label_file, labeler(record))
                summary.done += 1
                summary.num_masks += record.num_masks
            bar.update()
    summary.seconds = time.perf_counter() - start
    return summary, _finish(out_dir, summary, dist)
