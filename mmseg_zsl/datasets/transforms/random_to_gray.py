import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from ._pil import check_color_format, from_pil, to_pil


@TRANSFORMS.register_module()
class RandomToGray(BaseTransform):
    """With probability ``prob``, convert the image to grayscale, keeping
    three channels (torchvision's ``RandomGrayscale``, UniMatch p = 0.2).

    The gray value is PIL's ``convert('L')`` of the RGB image (ITU-R 601-2
    luma), copied to the three channels. mmcv's ``RandomGrayscale`` differs
    (equal channel weights by default, Python's ``random``), hence this
    transform.

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        prob (float): Probability of the conversion. Defaults to 0.2.
        color_format (str): Channel order of ``img``, ``'bgr'`` or ``'rgb'``.
            Defaults to 'bgr'.
    """

    def __init__(self, prob: float = 0.2, color_format: str = 'bgr') -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        self.prob = prob
        self.color_format = check_color_format(color_format)

    @cache_randomness
    def _apply(self) -> bool:
        """Whether to convert this time."""
        return bool(np.random.rand() < self.prob)

    def transform(self, results: dict) -> dict:
        """Gray ``results['img']`` with probability ``prob``.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: Results with the (possibly) gray image.
        """
        if self._apply():
            gray = to_pil(results['img'], self.color_format).convert('L')
            results['img'] = from_pil(gray, self.color_format)
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(prob={self.prob}, '
        repr_str += f'color_format={self.color_format!r})'
        return repr_str
