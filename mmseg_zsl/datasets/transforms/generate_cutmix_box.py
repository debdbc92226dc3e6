import math
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class GenerateCutMixBox(BaseTransform):
    """Draw a CutMix box for a strong view (UniMatch's
    ``obtain_cutmix_box``); the model does the mixing.

    With probability ``1 - prob`` the box map is all 0 (no mixing).
    Otherwise the area ``A ~ U(area_range) * H * W`` is drawn once, then the
    aspect ``r ~ U(aspect_range)`` and the top-left corner
    ``x ~ randint[0, W)``, ``y ~ randint[0, H)`` are redrawn until the box
    (``w = int(sqrt(A / r))``, ``h = int(sqrt(A * r))``) fits inside the
    image; the map is 1 on rows ``[y, y + h)`` and columns ``[x, x + w)``.
    After ``max_attempts`` failed draws (only possible for very elongated
    images) the last box is clipped to the image.

    Place it after the geometric transforms (the box lives in crop
    coordinates): it is not added to ``seg_fields``.

    Required Keys:

    - img

    Added Keys:

    - ``box_key`` (np.uint8, (H, W); default ``cutmix_box``)

    Args:
        prob (float): Probability that the view gets a box. Defaults to 0.5.
        area_range (tuple[float, float]): Box area as a fraction of the
            image. Defaults to (0.02, 0.4).
        aspect_range (tuple[float, float]): Range of ``h / w``.
            Defaults to (0.3, 1 / 0.3).
        box_key (str): Results key of the box map. Defaults to 'cutmix_box'.
        max_attempts (int): Redraws of aspect and position before clipping.
            Defaults to 1000.
    """

    def __init__(self,
                 prob: float = 0.5,
                 area_range: Tuple[float, float] = (0.02, 0.4),
                 aspect_range: Tuple[float, float] = (0.3, 1 / 0.3),
                 box_key: str = 'cutmix_box',
                 max_attempts: int = 1000) -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        if not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError('area_range must satisfy 0 < lo <= hi <= 1, got '
                             f'{area_range}.')
        if not 0 < aspect_range[0] <= aspect_range[1]:
            raise ValueError('aspect_range must satisfy 0 < lo <= hi, got '
                             f'{aspect_range}.')
        if max_attempts < 1:
            raise ValueError(f'max_attempts must be >= 1, got {max_attempts}.')
        self.prob = prob
        self.area_range = tuple(area_range)
        self.aspect_range = tuple(aspect_range)
        self.box_key = box_key
        self.max_attempts = max_attempts

    @cache_randomness
    def _draw_box(self, height: int,
                  width: int) -> Optional[Tuple[int, int, int, int]]:
        """(x, y, w, h) of the box, or None for no box."""
        if np.random.rand() >= self.prob:
            return None
        area = np.random.uniform(*self.area_range) * height * width
        for _ in range(self.max_attempts):
            aspect = np.random.uniform(*self.aspect_range)
            box_w = int(math.sqrt(area / aspect))
            box_h = int(math.sqrt(area * aspect))
            x = int(np.random.randint(0, width))
            y = int(np.random.randint(0, height))
            if x + box_w <= width and y + box_h <= height:
                return x, y, box_w, box_h
        box_w, box_h = min(box_w, width), min(box_h, height)
        return min(x, width - box_w), min(y, height - box_h), box_w, box_h

    def transform(self, results: dict) -> dict:
        """Add the box map of this view.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: Results with ``box_key`` added.
        """
        height, width = results['img'].shape[:2]
        box_map = np.zeros((height, width), dtype=np.uint8)
        box = self._draw_box(height, width)
        if box is not None:
            x, y, box_w, box_h = box
            box_map[y:y + box_h, x:x + box_w] = 1
        results[self.box_key] = box_map
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(prob={self.prob}, '
        repr_str += f'area_range={self.area_range}, '
        repr_str += f'aspect_range={self.aspect_range}, '
        repr_str += f'box_key={self.box_key!r}, '
        repr_str += f'max_attempts={self.max_attempts})'
        return repr_str
