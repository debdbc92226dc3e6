from mmseg.datasets import PascalVOCDataset
from mmseg.registry import DATASETS

from .split_file_seg_dataset import SplitFileSegDataset


@DATASETS.register_module()
class PascalVOCSplitDataset(SplitFileSegDataset):
    """PASCAL VOC 2012 (21 classes with background) listed by a split file.

    Same classes and palette as :class:`mmseg.datasets.PascalVOCDataset`
    (background is class 0, 255 is ignored), read through
    :class:`SplitFileSegDataset`, so UniMatch's split files
    (``JPEGImages/x.jpg SegmentationClass/x.png``) and mmseg's ann files
    (``ImageSets/Segmentation/val.txt``) both work. See
    :class:`SplitFileSegDataset` for the arguments.
    """
    METAINFO = PascalVOCDataset.METAINFO
