from typing import Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomRescaleLongSide(BaseTransform):
    """Rescale by a random factor of the image's own long side, keeping the
    aspect ratio (UniMatch's ``resize``).

    With ``L = max(H, W)``, the new long side is an integer drawn uniformly
    from ``[int(lo * L), int(hi * L)]`` (both ends included) and the short
    side is ``int(short * new_long / L + 0.5)``. The image is resized with
    ``interpolation`` and every key of ``seg_fields`` with nearest
    neighbour.

    mmcv's ``RandomResize(scale, ratio_range, keep_ratio=True)`` is not
    equivalent: it fits the image into ``scale * ratio`` for a fixed
    ``scale``, so the factor depends on the image's size relative to
    ``scale``, not on the image alone.

    Required Keys:

    - img
    - seg_fields (optional)

    Modified Keys:

    - img
    - img_shape
    - every key listed in ``seg_fields``

    Added Keys:

    - scale (tuple[int, int], (w, h) after resizing)
    - scale_factor (tuple[float, float], (w_scale, h_scale))
    - keep_ratio

    Args:
        ratio_range (tuple[float, float]): Range of the long-side factor.
            Defaults to (0.5, 2.0).
        interpolation (str): Image interpolation. Defaults to 'bilinear'.
        backend (str): ``'cv2'`` or ``'pillow'`` (UniMatch resizes with
            PIL). Defaults to 'cv2'.
    """

    def __init__(self,
                 ratio_range: Tuple[float, float] = (0.5, 2.0),
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2') -> None:
        super().__init__()
        if len(ratio_range) != 2 or not 0 < ratio_range[0] <= ratio_range[1]:
            raise ValueError('ratio_range must be (lo, hi) with 0 < lo <= hi, '
                             f'got {ratio_range}.')
        self.ratio_range = tuple(ratio_range)
        self.interpolation = interpolation
        self.backend = backend

    @cache_randomness
    def _random_long_side(self, long_side: int) -> int:
        """Draw the new long side for an image whose long side is given."""
        low = max(int(self.ratio_range[0] * long_side), 1)
        high = max(int(self.ratio_range[1] * long_side), low)
        return int(np.random.randint(low, high + 1))

    def transform(self, results: dict) -> dict:
        """Resize the image and its segmentation fields.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: Resized results.
        """
        h, w = results['img'].shape[:2]
        long_side = max(h, w)
        new_long = self._random_long_side(long_side)
        if h >= w:
            new_h, new_w = new_long, int(w * new_long / long_side + 0.5)
        else:
            new_h, new_w = int(h * new_long / long_side + 0.5), new_long
        new_h, new_w = max(new_h, 1), max(new_w, 1)
        results['img'] = mmcv.imresize(
            results['img'], (new_w, new_h),
            interpolation=self.interpolation,
            backend=self.backend)
        for key in results.get('seg_fields', []):
            if results.get(key) is not None:
                results[key] = mmcv.imresize(
                    results[key], (new_w, new_h),
                    interpolation='nearest',
                    backend=self.backend)
        results['img_shape'] = (new_h, new_w)
        results['scale'] = (new_w, new_h)
        results['scale_factor'] = (new_w / w, new_h / h)
        results['keep_ratio'] = True
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(ratio_range={self.ratio_range}, '
        repr_str += f'interpolation={self.interpolation!r}, '
        repr_str += f'backend={self.backend!r})'
        return repr_str
