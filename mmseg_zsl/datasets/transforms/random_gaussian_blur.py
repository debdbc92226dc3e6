from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS
from PIL import ImageFilter

from ._pil import check_color_format, from_pil, to_pil


@TRANSFORMS.register_module()
class RandomGaussianBlur(BaseTransform):
    """With probability ``prob``, blur with a Gaussian of random sigma.

    UniMatch's ``blur``: ``sigma ~ U(0.1, 2.0)``, applied as PIL's
    ``ImageFilter.GaussianBlur(radius=sigma)`` on the RGB image (PIL's
    ``radius`` is the standard deviation).

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        sigma_range (tuple[float, float]): Range of sigma, in pixels.
            Defaults to (0.1, 2.0).
        prob (float): Probability of blurring. Defaults to 0.5.
        color_format (str): Channel order of ``img``, ``'bgr'`` or ``'rgb'``.
            Defaults to 'bgr'.
    """

    def __init__(self,
                 sigma_range: Tuple[float, float] = (0.1, 2.0),
                 prob: float = 0.5,
                 color_format: str = 'bgr') -> None:
        super().__init__()
        if len(sigma_range) != 2 or not 0 < sigma_range[0] <= sigma_range[1]:
            raise ValueError('sigma_range must be (lo, hi) with 0 < lo <= hi, '
                             f'got {sigma_range}.')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        self.sigma_range = tuple(sigma_range)
        self.prob = prob
        self.color_format = check_color_format(color_format)

    @cache_randomness
    def _draw_sigma(self) -> Optional[float]:
        """Sigma of this draw, or None for no blur."""
        if np.random.rand() >= self.prob:
            return None
        return float(np.random.uniform(*self.sigma_range))

    def transform(self, results: dict) -> dict:
        """Blur ``results['img']`` with probability ``prob``.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: Results with the (possibly) blurred image.
        """
        sigma = self._draw_sigma()
        if sigma is not None:
            pil = to_pil(results['img'], self.color_format)
            pil = pil.filter(ImageFilter.GaussianBlur(radius=sigma))
            results['img'] = from_pil(pil, self.color_format)
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(sigma_range={self.sigma_range}, '
        repr_str += f'prob={self.prob}, '
        repr_str += f'color_format={self.color_format!r})'
        return repr_str
