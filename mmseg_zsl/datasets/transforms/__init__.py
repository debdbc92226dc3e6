"""Transforms of the semi-supervised training pipelines.

Order for an unlabeled sample: ``LoadImageFromFile`` ->
``ZeroShotPseudoLabel`` -> ``RandomRescaleLongSide`` -> ``PadToCropSize``
-> ``RandomCrop`` -> ``RandomFlip`` -> ``MultiBranch`` (weak: pack; strong:
``RandomColorJitter``, ``RandomToGray``, ``RandomGaussianBlur``,
``GenerateCutMixBox``, pack with ``PackSemiSegInputs``).
"""
from .generate_cutmix_box import GenerateCutMixBox
from .multi_branch import MultiBranch
from .pack_semi_seg_inputs import PackSemiSegInputs
from .pad_to_crop_size import PadToCropSize
from .random_color_jitter import RandomColorJitter
from .random_gaussian_blur import RandomGaussianBlur
from .random_rescale_long_side import RandomRescaleLongSide
from .random_to_gray import RandomToGray
from .zero_shot_pseudo_label import ZeroShotPseudoLabel

__all__ = [
    'GenerateCutMixBox', 'MultiBranch', 'PackSemiSegInputs', 'PadToCropSize',
    'RandomColorJitter', 'RandomGaussianBlur', 'RandomRescaleLongSide',
    'RandomToGray', 'ZeroShotPseudoLabel'
]
