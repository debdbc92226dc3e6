from mmseg.registry import DATASETS

from mmseg_zsl.utils.palette import voc_palette
from .split_file_seg_dataset import SplitFileSegDataset

#: The 80 COCO thing classes in category-id order (ids 1..90 with gaps),
#: i.e. the order of the contiguous labels 1..80 of ``tools/coco_to_masks.py``.
COCO_THING_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train',
    'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
    'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag',
    'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
    'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
    'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon',
    'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot',
    'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
    'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
    'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
    'hair drier', 'toothbrush')


@DATASETS.register_module()
class COCO81Dataset(SplitFileSegDataset):
    """COCO with 81 classes: background (0) plus the 80 thing classes.

    The semi-supervised COCO benchmark of UniMatch/PseudoSeg (not COCO-Stuff):
    label maps hold 0 for background, 1..80 for the thing categories in
    category-id order, and 255 for ignored pixels; ``tools/coco_to_masks.py``
    renders them from the instance annotations. The palette is PASCAL VOC's
    colour map extended to 81 entries. UniMatch's split lines look like
    ``train2017/000000177254.jpg masks/000000177254.png``. See
    :class:`SplitFileSegDataset` for the arguments.
    """
    METAINFO = dict(
        classes=('background', ) + COCO_THING_CLASSES,
        palette=voc_palette(1 + len(COCO_THING_CLASSES)).tolist())
