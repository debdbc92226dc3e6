"""COCO instance JSON boxes (``instances_train2017.json``)."""
import json
import os.path as osp
from typing import Any, Dict, List, Tuple

import numpy as np

from mmseg_zsl.utils.files import image_stem
from .base import ClassIndex, ImagePrompts, PromptSource


class COCOJSONSource(PromptSource):
    """Boxes from a COCO instance annotation file.

    Images are matched by the stem of their ``file_name``. COCO's
    ``bbox = [x, y, w, h]`` is already in pixel-edge coordinates and becomes
    ``[x, y, x + w, y + h]``. Category names are looked up in the class
    list (COCO's names match :class:`~mmseg_zsl.datasets.COCO81Dataset`'s);
    a category that some annotation uses but the class list lacks is an
    error. The whole file is read once (the train2017 file takes some GB of
    memory, as with pycocotools).

    Args:
        path (str): The JSON file.
        class_index (ClassIndex): Names -> label ids.
        include_crowd (bool): Also prompt with crowd boxes
            (``iscrowd=1``). Defaults to False: COCO-81 ground truth ignores
            crowd regions, and a box around a crowd is no object prompt.
    """
    format = 'coco-json'
    kinds = ('boxes', )

    def __init__(self,
                 path: str,
                 class_index: ClassIndex,
                 include_crowd: bool = False) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'COCO annotation file {path!r} does not exist; expected an '
                'instance JSON such as annotations/instances_train2017.json.')
        super().__init__(path, class_index)
        self.include_crowd = include_crowd
        with open(path, encoding='utf-8') as file:
            data = json.load(file)
        self._index(data)

    def _index(self, data: Dict[str, Any]) -> None:
        for key in ('images', 'annotations', 'categories'):
            if key not in data:
                raise ValueError(f'{self.path} is not a COCO instance file: '
                                 f'it has no {key!r}.')
        names = {c['id']: c['name'] for c in data['categories']}
        used = {a['category_id'] for a in data['annotations']}
        unknown = sorted(used - set(names))
        if unknown:
            raise ValueError(f'{self.path}: annotations use category ids '
                             f'{unknown} that are not in its categories.')
        # Unknown names fail here, before any image is annotated.
        labels = {
            cid: self.class_index.id_of(names[cid], self.path)
            for cid in sorted(used)
        }
        self._images: Dict[str, Tuple[int, int, int]] = {}
        for image in data['images']:
            stem = image_stem(image['file_name'])
            if stem in self._images:
                raise ValueError(f'{self.path}: two images have the file '
                                 f'name stem {stem!r}.')
            self._images[stem] = (image['id'], int(image['height']),
                                  int(image['width']))
        self._boxes: Dict[int, List[Tuple[int, List[float], int]]] = {}
        for ann in data['annotations']:
            if ann.get('iscrowd', 0) and not self.include_crowd:
                continue
            x, y, w, h = (float(v) for v in ann['bbox'])
            self._boxes.setdefault(ann['image_id'], []).append(
                (ann['id'], [x, y, x + w, y + h],
                 labels[ann['category_id']]))

    def has(self, stem: str) -> bool:
        return stem in self._images

    def load(self, stem: str) -> ImagePrompts:
        if stem not in self._images:
            raise self.missing(stem)
        image_id, height, width = self._images[stem]
        # Annotation id order: the same boxes in the same order every run.
        anns = sorted(self._boxes.get(image_id, []), key=lambda a: a[0])
        return ImagePrompts(
            boxes=np.array([a[1] for a in anns],
                           dtype=np.float32).reshape(-1, 4),
            box_class_ids=np.array([a[2] for a in anns], dtype=np.int64),
            image_size=(height, width))

    def settings(self) -> Dict[str, Any]:
        return dict(super().settings(), include_crowd=self.include_crowd)
