"""The layout of an annotation output directory, in one place.

- ``labels/<stem>.png``: single-channel uint8 class indices, image size;
- ``cache/<stem>.npz``: the annotator's record (:mod:`.cache`);
- ``manifest.json``: models, settings, classes, threshold, versions;
- ``summary.json``: the last run's counts, merged and per rank;
- ``failures.json``: the images the last run could not do, each with its
  reason (only while there are any; also listed in the manifest).

An image is done when both its label and its cache exist; the cache is
written first, so a run killed in between relabels that image from its cache
on resume. Every file is written atomically.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from mmseg_zsl.utils.files import atomic_write_bytes, atomic_write_text
from .cache import CACHE_SUFFIX

LABELS_DIR = 'labels'
CACHE_DIR = 'cache'
MANIFEST_NAME = 'manifest.json'
SUMMARY_NAME = 'summary.json'
FAILURES_NAME = 'failures.json'


def output_paths(out_dir: str, stem: str) -> Tuple[str, str]:
    """``(label PNG, cache file)`` of an image stem."""
    return (osp.join(out_dir, LABELS_DIR, stem + '.png'),
            osp.join(out_dir, CACHE_DIR, stem + CACHE_SUFFIX))


def encode_label_png(label_map: np.ndarray) -> bytes:
    """Single-channel 8-bit PNG bytes of a label map."""
    import cv2
    if label_map.dtype != np.uint8 or label_map.ndim != 2:
        raise ValueError('A label map must be (H, W) uint8, got '
                         f'{label_map.dtype} {label_map.shape}.')
    ok, buffer = cv2.imencode('.png', label_map)
    if not ok:
        raise RuntimeError('OpenCV failed to encode a PNG')
    return buffer.tobytes()


def write_label(path: str, label_map: np.ndarray) -> None:
    """Write a label map as ``labels/<stem>.png`` (atomically)."""
    atomic_write_bytes(path, encode_label_png(label_map))


def label_problem(label_file: str, size: Tuple[int, int]) -> Optional[str]:
    """Why a label file is not the whole label of its image of ``size``
    ``(H, W)`` (None: it is): it must decode as a PNG at that size."""
    from PIL import Image
    try:
        with Image.open(label_file) as image:
            image.verify()  # reads the file, checks the PNG's checksums
            width, height = image.size
    except Exception as error:
        return f'unreadable label {label_file} ({type(error).__name__})'
    if (height, width) != tuple(size):
        return (f'label {label_file} is {height}x{width}, its image '
                f'{size[0]}x{size[1]}')
    return None


def cached_stems(out_dir: str) -> List[str]:
    """Stems of every cached image of ``out_dir``, sorted."""
    directory = osp.join(out_dir, CACHE_DIR)
    if not osp.isdir(directory):
        return []
    return sorted(
        name[:-len(CACHE_SUFFIX)] for name in os.listdir(directory)
        if name.endswith(CACHE_SUFFIX) and not name.startswith('.'))


def read_manifest(out_dir: str) -> Optional[Dict]:
    """The directory's ``manifest.json``, or None if there is none."""
    path = osp.join(out_dir, MANIFEST_NAME)
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as file:
        return json.load(file)


def write_manifest(out_dir: str, manifest: Dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True) + '\n'
    atomic_write_text(osp.join(out_dir, MANIFEST_NAME), text)


def write_summary(out_dir: str, summary: Dict) -> None:
    text = json.dumps(summary, indent=2) + '\n'
    atomic_write_text(osp.join(out_dir, SUMMARY_NAME), text)


def write_failures(out_dir: str, mode: str, total: int,
                   failed: List[List[str]]) -> Optional[str]:
    """Record the last run's failed images, or clear an earlier run's.

    Writes ``failures.json`` (one ``{"path", "reason"}`` per image) and the
    same list under ``failures`` in the manifest; a run without failures
    removes both, so neither ever describes an earlier run.

    Returns:
        str | None: The path of ``failures.json``, or None without failures.
    """
    path = osp.join(out_dir, FAILURES_NAME)
    items = [dict(path=item, reason=reason) for item, reason in failed]
    manifest = read_manifest(out_dir)
    if manifest is not None:
        manifest.pop('failures', None)
        if items:
            manifest['failures'] = dict(file=FAILURES_NAME, items=items)
        write_manifest(out_dir, manifest)
    if not items:
        if osp.isfile(path):
            os.remove(path)
        return None
    text = json.dumps(
        dict(mode=mode, failed=len(items), total=total, items=items),
        indent=2) + '\n'
    atomic_write_text(path, text)
    return path
