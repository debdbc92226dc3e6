"""Datasets, split files and the sampler of semi-supervised training."""
from .class_pixel_counts import class_pixel_counts
from .coco81_dataset import COCO81Dataset
from .pascal_voc_split_dataset import PascalVOCSplitDataset
from .semi_seg_dataset import SemiSegDataset
from .semi_seg_sampler import SeededIndex, SemiSegSampler
from .split_file_seg_dataset import SplitFileSegDataset
from .toy_shapes_dataset import ToyShapesDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'class_pixel_counts', 'COCO81Dataset', 'PascalVOCSplitDataset',
    'SemiSegDataset', 'SeededIndex', 'SemiSegSampler', 'SplitFileSegDataset',
    'ToyShapesDataset'
]
