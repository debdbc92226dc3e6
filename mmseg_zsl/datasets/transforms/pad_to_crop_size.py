from typing import Optional, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PadToCropSize(BaseTransform):
    """Pad on the right and bottom up to the crop size, padding *every*
    segmentation field and tracking the padded pixels in a mask.

    An image smaller than ``crop_size`` is padded with ``img_pad_val`` and
    every key of ``seg_fields`` with ``seg_pad_val`` (UniMatch pads only on
    the right/bottom, before its random crop). Larger sides are left as they
    are, so a following ``RandomCrop(crop_size)`` always finds a full crop.

    mmcv's ``Pad`` pads only ``gt_seg_map``, so it would leave a pseudo label
    unpadded. Because 255 in a label cannot tell padding from "ignore",
    ``padding_mask_key`` adds a uint8 map (0 = image, ``mask_pad_val`` =
    padding) to ``seg_fields``: the crop and flip that follow move it with
    the pixels, and ``PackSemiSegInputs`` packs it as ``padding_mask``.

    Required Keys:

    - img
    - seg_fields (optional)

    Modified Keys:

    - img
    - img_shape
    - every key listed in ``seg_fields``
    - seg_fields (``padding_mask_key`` is appended)

    Added Keys:

    - pad_shape
    - ``padding_mask_key`` (np.uint8, (H, W); default ``padding_mask``)

    Args:
        crop_size (int | tuple[int, int]): Minimum (h, w) after padding.
        img_pad_val (int): Image padding value. Defaults to 0.
        seg_pad_val (int): Padding value of the segmentation fields.
            Defaults to 255.
        padding_mask_key (str, optional): Key of the padding mask, or None
            not to track padding (labeled data, where label 255 suffices).
            Defaults to 'padding_mask'.
        mask_pad_val (int): Value of padded pixels in the padding mask.
            Defaults to 1.
    """

    def __init__(self,
                 crop_size: Union[int, Tuple[int, int]],
                 img_pad_val: int = 0,
                 seg_pad_val: int = 255,
                 padding_mask_key: Optional[str] = 'padding_mask',
                 mask_pad_val: int = 1) -> None:
        super().__init__()
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError('crop_size must be a positive int or (h, w), '
                             f'got {crop_size}.')
        self.crop_size = tuple(crop_size)
        self.img_pad_val = img_pad_val
        self.seg_pad_val = seg_pad_val
        self.padding_mask_key = padding_mask_key
        self.mask_pad_val = mask_pad_val

    def transform(self, results: dict) -> dict:
        """Pad the image, the segmentation fields and the padding mask.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: Padded results.
        """
        img = results['img']
        h, w = img.shape[:2]
        seg_fields = results.setdefault('seg_fields', [])
        key = self.padding_mask_key
        if key is not None and key not in seg_fields:
            results[key] = np.zeros((h, w), dtype=np.uint8)
            seg_fields.append(key)
        shape = (max(h, self.crop_size[0]), max(w, self.crop_size[1]))
        if shape != (h, w):
            # mmcv.impad with ``shape`` pads on the right and bottom.
            results['img'] = mmcv.impad(
                img, shape=shape, pad_val=self.img_pad_val)
            for seg_key in seg_fields:
                if results.get(seg_key) is None:
                    continue
                pad_val = (
                    self.mask_pad_val
                    if seg_key == key else self.seg_pad_val)
                results[seg_key] = mmcv.impad(
                    results[seg_key], shape=shape, pad_val=pad_val)
        results['img_shape'] = shape
        results['pad_shape'] = shape
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(crop_size={self.crop_size}, '
        repr_str += f'img_pad_val={self.img_pad_val}, '
        repr_str += f'seg_pad_val={self.seg_pad_val}, '
        repr_str += f'padding_mask_key={self.padding_mask_key!r}, '
        repr_str += f'mask_pad_val={self.mask_pad_val})'
        return repr_str
