from typing import List, Tuple

import numpy as np
import torchvision.transforms.functional as TF
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from ._pil import check_color_format, from_pil, to_pil


@TRANSFORMS.register_module()
class RandomColorJitter(BaseTransform):
    """With probability ``prob``, apply torchvision's ``ColorJitter``.

    UniMatch's strong view: ``if random() < 0.8: ColorJitter(0.5, 0.5, 0.5,
    0.25)(img)``. As in torchvision, the brightness, contrast and saturation
    factors are drawn from ``U(max(0, 1 - x), 1 + x)``, the hue shift from
    ``U(-hue, hue)``, and the four adjustments are applied in a random
    order, on the RGB image (PIL), with torchvision's own functions; the
    draws use numpy's global generator, which mmengine seeds per worker.

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        brightness (float): Brightness jitter. Defaults to 0.5.
        contrast (float): Contrast jitter. Defaults to 0.5.
        saturation (float): Saturation jitter. Defaults to 0.5.
        hue (float): Hue jitter, in [0, 0.5]. Defaults to 0.25.
        prob (float): Probability of jittering at all. Defaults to 0.8.
        color_format (str): Channel order of ``img``, ``'bgr'`` (mmcv's
            ``LoadImageFromFile``) or ``'rgb'``. Defaults to 'bgr'.
    """

    def __init__(self,
                 brightness: float = 0.5,
                 contrast: float = 0.5,
                 saturation: float = 0.5,
                 hue: float = 0.25,
                 prob: float = 0.8,
                 color_format: str = 'bgr') -> None:
        super().__init__()
        for name, value in (('brightness', brightness),
                            ('contrast', contrast),
                            ('saturation', saturation)):
            if value < 0:
                raise ValueError(f'{name} must be >= 0, got {value}.')
        if not 0 <= hue <= 0.5:
            raise ValueError(f'hue must be in [0, 0.5], got {hue}.')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.prob = prob
        self.color_format = check_color_format(color_format)

    @cache_randomness
    def _draw(self) -> Tuple[bool, List[int], List[float]]:
        """Whether to jitter, the order of the four ops and their factors."""
        apply = bool(np.random.rand() < self.prob)
        order = np.random.permutation(4).tolist()
        factors = [
            np.random.uniform(max(0., 1. - x), 1. + x)
            for x in (self.brightness, self.contrast, self.saturation)
        ]
        factors.append(np.random.uniform(-self.hue, self.hue))
        return apply, order, factors

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']``.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: Results with the jittered image.
        """
        apply, order, factors = self._draw()
        if not apply:
            return results
        ops = (TF.adjust_brightness, TF.adjust_contrast,
               TF.adjust_saturation, TF.adjust_hue)
        amounts = (self.brightness, self.contrast, self.saturation, self.hue)
        pil = to_pil(results['img'], self.color_format)
        for index in order:
            if amounts[index] > 0:  # as torchvision, skip disabled ops
                pil = ops[index](pil, float(factors[index]))
        results['img'] = from_pil(pil, self.color_format)
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(brightness={self.brightness}, '
        repr_str += f'contrast={self.contrast}, '
        repr_str += f'saturation={self.saturation}, '
        repr_str += f'hue={self.hue}, '
        repr_str += f'prob={self.prob}, '
        repr_str += f'color_format={self.color_format!r})'
        return repr_str
