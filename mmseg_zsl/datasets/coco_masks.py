"""81-class label maps (background + 80 things) from COCO instance JSON.

Rules (``tools/coco_to_masks.py``):

- background is 0; the categories of the JSON, sorted by id, get the
  contiguous labels 1..K (K = 80 for COCO: ids 1..90 with gaps);
- crowd regions (``iscrowd=1``) are painted ``crowd_label`` (255 = ignore)
  first, then the non-crowd instances are painted by decreasing area (ties
  by annotation id), so a smaller object overwrites a larger one where they
  overlap (e.g. a cup on a dining table) and any instance overwrites a crowd
  region;
- the PNG is a palette image (PASCAL's colour map extended to 81 classes)
  whose pixel values are the class indices, which mmseg reads unchanged.

pycocotools is imported only when a conversion runs.
"""
import multiprocessing
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from mmengine.utils import ProgressBar
from PIL import Image

from mmseg_zsl.utils import atomic_write, voc_palette


def category_label_map(category_ids: Sequence[int]) -> Dict[int, int]:
    """Map COCO category ids to contiguous labels 1..K in id order."""
    return {cid: i + 1 for i, cid in enumerate(sorted(category_ids))}


def instances_to_label_map(anns: Sequence[dict], height: int, width: int,
                           cat_to_label: Dict[int, int],
                           ann_to_mask: Callable[[dict], np.ndarray],
                           crowd_label: int = 255) -> np.ndarray:
    """Paint one image's instance annotations into a class-index map.

    Args:
        anns (Sequence[dict]): COCO annotations of the image.
        height (int): Image height.
        width (int): Image width.
        cat_to_label (dict[int, int]): Category id -> label.
        ann_to_mask (Callable): Annotation -> (H, W) binary mask
            (pycocotools' ``COCO.annToMask``).
        crowd_label (int): Label of crowd regions. Defaults to 255.

    Returns:
        np.ndarray: (H, W) uint8 label map.
    """
    label = np.zeros((height, width), dtype=np.uint8)
    for ann in anns:
        if ann.get('iscrowd', 0):
            label[ann_to_mask(ann) > 0] = crowd_label
    instances = sorted((a for a in anns if not a.get('iscrowd', 0)),
                       key=lambda a: (-a['area'], a['id']))
    for ann in instances:
        label[ann_to_mask(ann) > 0] = cat_to_label[ann['category_id']]
    return label


def save_label_png(label: np.ndarray, path: str,
                   palette: Optional[List[List[int]]] = None) -> None:
    """Write a palette PNG of class indices atomically (temp + rename).

    Args:
        label (np.ndarray): (H, W) uint8 class indices.
        path (str): Destination ``.png``.
        palette (list[list[int]], optional): RGB colours of the indices.
            Defaults to None (PASCAL's colour map, 256 entries).
    """
    label = np.ascontiguousarray(label, dtype=np.uint8)
    img = Image.frombytes('P', (label.shape[1], label.shape[0]),
                          label.tobytes())
    colours = palette or voc_palette(256).tolist()
    img.putpalette([c for rgb in colours for c in rgb])
    atomic_write(path, lambda file: img.save(file, format='PNG'))


# Shared with forked workers (set before the pool starts).
_STATE: dict = {}


def _convert_one(img_id: int) -> bool:
    """Convert one image; True if written, False if it already existed."""
    coco, out_dir = _STATE['coco'], _STATE['out_dir']
    info = coco.imgs[img_id]
    stem = osp.splitext(osp.basename(info['file_name']))[0]
    path = osp.join(out_dir, stem + '.png')
    if not _STATE['overwrite'] and osp.exists(path):
        return False
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[img_id], iscrowd=None))
    label = instances_to_label_map(anns, info['height'], info['width'],
                                   _STATE['cat_to_label'], coco.annToMask,
                                   _STATE['crowd_label'])
    save_label_png(label, path, _STATE['palette'])
    return True


def convert_coco_to_masks(ann_file: str,
                          out_dir: str,
                          crowd_label: int = 255,
                          overwrite: bool = False,
                          nproc: int = 1) -> dict:
    """Write ``out_dir/<stem>.png`` for every image of a COCO instance JSON.

    Resumable: existing PNGs are kept unless ``overwrite`` (each PNG is
    written atomically, so an interrupted run leaves no partial file).

    Args:
        ann_file (str): ``instances_{train,val}2017.json``.
        out_dir (str): Output directory (created).
        crowd_label (int): Label of crowd regions. Defaults to 255.
        overwrite (bool): Rewrite existing PNGs. Defaults to False.
        nproc (int): Worker processes (fork). Defaults to 1.

    Returns:
        dict: ``images``, ``written``, ``skipped`` and ``num_classes``
        (background included).
    """
    try:
        from pycocotools.coco import COCO
    except ImportError as e:
        raise ImportError(
            'coco_to_masks needs pycocotools: pip install pycocotools '
            '(requirements/annotation.txt).') from e
    if not osp.isfile(ann_file):
        raise FileNotFoundError(
            f'COCO annotation file {ann_file!r} not found; download '
            'annotations_trainval2017.zip from cocodataset.org and pass '
            'annotations/instances_{train,val}2017.json.')
    os.makedirs(out_dir, exist_ok=True)
    coco = COCO(ann_file)
    cat_to_label = category_label_map(coco.getCatIds())
    _STATE.update(
        coco=coco,
        out_dir=out_dir,
        overwrite=overwrite,
        crowd_label=crowd_label,
        cat_to_label=cat_to_label,
        palette=voc_palette(256).tolist())
    img_ids = sorted(coco.getImgIds())
    progress = ProgressBar(len(img_ids))
    written = 0
    try:
        if nproc > 1:
            ctx = multiprocessing.get_context('fork')
            with ctx.Pool(nproc) as pool:
                for done in pool.imap_unordered(
                        _convert_one, img_ids, chunksize=16):
                    written += done
                    progress.update()
        else:
            for img_id in img_ids:
                written += _convert_one(img_id)
                progress.update()
    finally:
        _STATE.clear()
    summary = dict(
        images=len(img_ids),
        written=written,
        skipped=len(img_ids) - written,
        num_classes=len(cat_to_label) + 1)
    print(f'\ncoco_to_masks: {summary["written"]} masks written, '
          f'{summary["skipped"]} already present, {summary["images"]} images '
          f'({summary["num_classes"]} classes) in {out_dir}')
    return summary
