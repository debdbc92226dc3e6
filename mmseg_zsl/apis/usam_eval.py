"""mAP@50 of U-SAM's kept masks against instance ground truth.

The detections are recomputed from the annotation cache with the labeler
recorded in the manifest (no SAM): each kept mask, its class and its
student confidence. Ground truth comes from either

- an instance folder: ``<stem>.png`` (uint8 or uint16 instance ids, 0 =
  none) + ``<stem>.json`` with ``{"objects": [{"id": k, "class_id": c,
  "iscrowd": 0}, ...]}`` (the demo world's ``instances/``), or
- a COCO instances JSON (categories matched to the classes by name).
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.annotation.output_dir import (cached_stems, output_paths,
                                             read_manifest)
from .modes.usam import build_usam_labeler


def read_instance_folder(instances_dir: str, stem: str):
    """Ground-truth instances of one image in the folder layout above."""
    from mmseg_zsl.annotation.usam import ImageInstances
    png = osp.join(instances_dir, stem + '.png')
    meta = osp.join(instances_dir, stem + '.json')
    if not (osp.isfile(png) and osp.isfile(meta)):
        return None
    from PIL import Image
    with Image.open(png) as image:
        ids = np.array(image)
    with open(meta, encoding='utf-8') as file:
        objects = json.load(file)['objects']
    masks = np.stack([ids == obj['id'] for obj in objects]) if objects \
        else np.zeros((0, *ids.shape), bool)
    return ImageInstances(
        rles=ImageRecord(ids.shape, ImageRecord.encode_masks(masks))
        .coco_rles(),
        labels=np.array([obj['class_id'] for obj in objects], np.int64),
        crowd=np.array([bool(obj.get('iscrowd', 0)) for obj in objects]))


class CocoInstances:
    """Ground truth of a COCO instances JSON, by image file stem.

    Args:
        annotation_file (str): e.g. ``instances_val2017.json``.
        class_names (Sequence[str]): Dataset classes (label = index);
            every category must be among them (by name).
    """

    def __init__(self, annotation_file: str,
                 class_names: Sequence[str]) -> None:
        from pycocotools.coco import COCO

        from mmseg_zsl.annotation.usam import match_class_names
        self.coco = COCO(annotation_file)
        categories = self.coco.loadCats(self.coco.getCatIds())
        labels = match_class_names([c['name'] for c in categories],
                                   class_names)
        self.cat_to_label = {
            c['id']: label
            for c, label in zip(categories, labels)
        }
        self.stem_to_id = {
            osp.splitext(osp.basename(img['file_name']))[0]: img['id']
            for img in self.coco.dataset['images']
        }

    def __call__(self, stem: str):
        from mmseg_zsl.annotation.usam import ImageInstances
        if stem not in self.stem_to_id:
            return None
        image_id = self.stem_to_id[stem]
        anns = self.coco.loadAnns(self.coco.getAnnIds(imgIds=[image_id]))
        rles = []
        for ann in anns:
            rle = self.coco.annToRLE(ann)
            if isinstance(rle['counts'], str):
                rle = dict(rle, counts=rle['counts'].encode())
            rles.append(rle)
        return ImageInstances(
            rles=rles,
            labels=np.array([self.cat_to_label[a['category_id']]
                             for a in anns], np.int64),
            crowd=np.array([bool(a.get('iscrowd', 0)) for a in anns]))


def evaluate_usam_masks(out_dir: str,
                        instances_dir: Optional[str] = None,
                        coco_json: Optional[str] = None,
                        checkpoint: Optional[str] = None,
                        iou_threshold: float = 0.5,
                        device: str = 'cpu') -> Dict:
    """mAP of a U-SAM annotation's kept masks (mAP@50 by default).

    Args:
        out_dir (str): A U-SAM annotation output (manifest + cache).
        instances_dir (str, optional): Instance folder (module docstring).
        coco_json (str, optional): COCO instances JSON (instead).
        checkpoint (str, optional): Replaces the manifest's classifier path
            (if the file moved).
        iou_threshold (float): Mask IoU of a match. Defaults to 0.5.
        device (str): Classifier device.

    Returns:
        dict: ``mAP``, ``per_class`` ``{class name: AP}``,
        ``num_instances``, ``num_images``, ``without_ground_truth`` (APs in
        percent).
    """
    from mmseg_zsl.annotation.usam import (ImageInstances,
                                           mask_average_precision)
    if (instances_dir is None) == (coco_json is None):
        raise ValueError('Pass exactly one ground truth: an instance folder '
                         'or a COCO instances JSON.')
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.get('annotator') != 'usam':
        raise ValueError(f'{out_dir} is not a U-SAM annotation output (its '
                         'manifest.json must name the usam annotator).')
    labels = manifest['labels']
    names: List[str] = labels['classes']
    labeler = build_usam_labeler(
        checkpoint or labels['classifier']['checkpoint'],
        names,
        None,
        labels['unassigned_label'],
        device,
        confidence_threshold=labels['confidence_threshold'],
        nms_thresh=labels['nms_thresh'])
    if instances_dir is not None:
        def read_gt(stem):
            return read_instance_folder(instances_dir, stem)
    else:
        read_gt = CocoInstances(coco_json, names)
    predictions, truths, missing = [], [], 0
    for stem in cached_stems(out_dir):
        truth = read_gt(stem)
        if truth is None:
            missing += 1
            continue
        record = ImageRecord.from_file(output_paths(out_dir, stem)[1])
        found = labeler.detections(record)
        rles = record.coco_rles()
        predictions.append(
            ImageInstances([rles[i] for i in found.indices], found.labels,
                           found.scores))
        truths.append(truth)
    if not truths:
        raise FileNotFoundError(f'No cached image of {out_dir} has ground '
                                'truth instances.')
    result = mask_average_precision(predictions, truths, iou_threshold)
    return dict(
        mAP=result['mAP'] * 100,
        per_class={
            names[k]: v * 100
            for k, v in result['per_class'].items()
        },
        num_instances={names[k]: v
                       for k, v in result['num_instances'].items()},
        num_images=len(truths),
        without_ground_truth=missing,
        iou_threshold=iou_threshold,
        untrained_models=bool(manifest.get('untrained_models')))
