from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

#: mmseg's default meta keys plus the pseudo-label file (None = dummy label).
DEFAULT_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                     'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                     'reduce_zero_label', 'pseudo_label_path')

#: results key -> data-sample field of the per-pixel masks of the
#: semi-supervised interface.
DEFAULT_PIXEL_FIELDS = dict(
    padding_mask='padding_mask', cutmix_box='cutmix_box')


@TRANSFORMS.register_module()
class PackSemiSegInputs(PackSegInputs):
    """Pack one branch of a semi-supervised sample.

    Like mmseg's ``PackSegInputs`` (the image becomes a (3, H, W) uint8
    tensor ``inputs``; ``gt_seg_map`` becomes ``gt_sem_seg``, (1, H, W)
    int64), and in addition each results key of ``pixel_fields`` that is
    present becomes a ``PixelData`` field of the ``SegDataSample`` as a
    (1, H, W) uint8 tensor: by default ``padding_mask`` (1 = padding) and
    ``cutmix_box`` (1 = inside the view's CutMix box). Keys that are absent
    are skipped, so the same packer serves every branch.

    Required Keys:

    - img
    - gt_seg_map (optional)
    - the keys of ``pixel_fields`` (optional)
    - the keys of ``meta_keys`` (optional)

    Added Keys (the whole results dict is replaced by):

    - inputs (torch.Tensor, uint8)
    - data_samples (SegDataSample)

    Args:
        meta_keys (Sequence[str]): Keys packed into the metainfo. Defaults
            to mmseg's keys plus ``'pseudo_label_path'``.
        pixel_fields (dict[str, str], optional): results key -> data-sample
            field of extra uint8 maps. Defaults to None, meaning
            ``{'padding_mask': 'padding_mask', 'cutmix_box': 'cutmix_box'}``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS,
                 pixel_fields: Optional[Dict[str, str]] = None) -> None:
        super().__init__(meta_keys=tuple(meta_keys))
        self.pixel_fields = dict(
            DEFAULT_PIXEL_FIELDS if pixel_fields is None else pixel_fields)

    def transform(self, results: dict) -> dict:
        """Pack the image, the label and the extra per-pixel maps.

        Args:
            results (dict): Result dict of one branch.

        Returns:
            dict: ``{'inputs': Tensor, 'data_samples': SegDataSample}``.
        """
        # The image is packed here: mmseg's PackSegInputs makes a contiguous
        # HWC image contiguous in CHW with torch, ~50x slower than numpy.
        packed = super().transform(
            {k: v
             for k, v in results.items() if k != 'img'})
        if 'img' in results:
            img = results['img']
            img = img[..., None] if img.ndim < 3 else img
            packed['inputs'] = torch.from_numpy(
                np.ascontiguousarray(img.transpose(2, 0, 1)))
        data_sample = packed['data_samples']
        for key, field in self.pixel_fields.items():
            if results.get(key) is None:
                continue
            value = np.ascontiguousarray(results[key], dtype=np.uint8)
            if value.ndim != 2:
                raise ValueError(f'{key!r} must be an (H, W) map, got shape '
                                 f'{value.shape}.')
            data_sample.set_data(
                {field: PixelData(data=torch.from_numpy(value[None]))})
        return packed

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(meta_keys={self.meta_keys}, '
        repr_str += f'pixel_fields={self.pixel_fields})'
        return repr_str
