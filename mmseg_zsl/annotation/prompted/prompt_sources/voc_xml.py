"""PASCAL VOC XML boxes (``Annotations/<stem>.xml``)."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import Any, Dict, List

import numpy as np

from .base import ClassIndex, ImagePrompts, PromptSource


def _number(node: ET.Element, tag: str, where: str) -> float:
    child = node.find(tag)
    if child is None or child.text is None:
        raise ValueError(f'{where}: <{tag}> is missing.')
    try:
        return float(child.text.strip())
    except ValueError as error:
        raise ValueError(f'{where}: <{tag}> is not a number: '
                         f'{child.text!r}.') from error


def parse_voc_xml(source: str,
                  class_index: ClassIndex,
                  skip_difficult: bool = False,
                  where: str = '') -> ImagePrompts:
    """Boxes of one VOC annotation (a file path or the XML text).

    VOC's ``xmin..xmax`` / ``ymin..ymax`` are 1-based pixel indices, both
    ends included; the box becomes ``[xmin - 1, ymin - 1, xmax, ymax]`` in
    0-based pixel-edge coordinates (SAM's).

    Args:
        source (str): A ``.xml`` file or its content.
        class_index (ClassIndex): Names -> label ids.
        skip_difficult (bool): Drop objects marked ``<difficult>1``.
            Defaults to False (they are objects of their class all the same).
        where (str): Name used in error messages.
    """
    where = where or (source if osp.isfile(source) else 'VOC XML')
    try:
        root = ET.parse(source).getroot() if osp.isfile(source) \
            else ET.fromstring(source)
    except ET.ParseError as error:
        raise ValueError(f'{where}: not valid XML ({error}).') from error
    image_size = None
    size = root.find('size')
    if size is not None and size.find('width') is not None:
        image_size = (int(_number(size, 'height', where)),
                      int(_number(size, 'width', where)))
    boxes: List[List[float]] = []
    class_ids: List[int] = []
    for index, obj in enumerate(root.iter('object')):
        name_node = obj.find('name')
        if name_node is None or not (name_node.text or '').strip():
            raise ValueError(f'{where}: object {index} has no <name>.')
        difficult = obj.find('difficult')
        if skip_difficult and difficult is not None and \
                (difficult.text or '').strip() == '1':
            continue
        box = obj.find('bndbox')
        if box is None:
            raise ValueError(f'{where}: object {index} has no <bndbox>.')
        here = f'{where} object {index}'
        xmin, ymin, xmax, ymax = (_number(box, tag, here)
                                  for tag in ('xmin', 'ymin', 'xmax', 'ymax'))
        boxes.append([xmin - 1, ymin - 1, xmax, ymax])
        class_ids.append(class_index.id_of(name_node.text.strip(), where))
    return ImagePrompts(
        boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
        box_class_ids=np.array(class_ids, dtype=np.int64),
        image_size=image_size)


class VOCXMLSource(PromptSource):
    """Boxes from a folder of PASCAL VOC XML files, ``<stem>.xml``.

    E.g. ``VOCdevkit/VOC2012/Annotations``. See :func:`parse_voc_xml`.

    Args:
        path (str): The folder.
        class_index (ClassIndex): Names -> label ids.
        skip_difficult (bool): Drop 'difficult' objects. Defaults to False.
    """
    format = 'voc-xml'
    kinds = ('boxes', )

    def __init__(self,
                 path: str,
                 class_index: ClassIndex,
                 skip_difficult: bool = False) -> None:
        if not osp.isdir(path):
            raise FileNotFoundError(
                f'VOC annotation folder {path!r} does not exist; expected '
                'a folder of <image stem>.xml files such as '
                'VOCdevkit/VOC2012/Annotations.')
        super().__init__(path, class_index)
        self.skip_difficult = skip_difficult

    def _file(self, stem: str) -> str:
        return osp.join(self.path, stem + '.xml')

    def has(self, stem: str) -> bool:
        return osp.isfile(self._file(stem))

    def load(self, stem: str) -> ImagePrompts:
        if not self.has(stem):
            raise self.missing(stem)
        return parse_voc_xml(self._file(stem), self.class_index,
                             self.skip_difficult)

    def settings(self) -> Dict[str, Any]:
        return dict(super().settings(), skip_difficult=self.skip_difficult)
