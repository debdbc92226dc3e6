"""Resizing and normalising images for the CLIP/GEM image encoder."""
from typing import Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

#: OpenAI CLIP's mean and std (0-1 scale); GEM uses them for every model.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
RESIZE_MODES = ('square', 'keep_ratio')


def clip_input_size(height: int, width: int, image_size: int,
                    resize_mode: str,
                    patch_size: Sequence[int]) -> Tuple[int, int]:
    """Input size of the CLIP encoder for an image of ``(height, width)``.

    Args:
        height (int): Image height.
        width (int): Image width.
        image_size (int): 'square': the side of the square input (448 by
            default, as GEM). 'keep_ratio': the length of the short side.
        resize_mode (str): 'square' squashes to ``image_size`` x
            ``image_size``; 'keep_ratio' keeps the aspect ratio.
        patch_size (Sequence[int]): ``(ph, pw)``; both sides are rounded to
            the nearest multiple (at least one patch).

    Returns:
        tuple[int, int]: ``(h, w)``.
    """
    if resize_mode == 'square':
        target_h = target_w = float(image_size)
    elif resize_mode == 'keep_ratio':
        scale = image_size / min(height, width)
        target_h, target_w = height * scale, width * scale
    else:
        raise ValueError(f'resize_mode must be one of {RESIZE_MODES}, got '
                         f'{resize_mode!r}.')
    patch_h, patch_w = patch_size
    return (max(1, round(target_h / patch_h)) * patch_h,
            max(1, round(target_w / patch_w)) * patch_w)


def preprocess_for_clip(image: np.ndarray,
                        size: Tuple[int, int],
                        device: Union[str, torch.device] = 'cpu',
                        mean: Sequence[float] = CLIP_MEAN,
                        std: Sequence[float] = CLIP_STD) -> Tensor:
    """``(H, W, 3)`` uint8 RGB -> ``(1, 3, h, w)`` normalised float32.

    Bicubic antialiased resizing (as PIL's bicubic used by CLIP/GEM),
    clamped to the 0-255 range, then CLIP's mean/std.
    """
    tensor = torch.from_numpy(np.ascontiguousarray(image)).to(device)
    tensor = tensor.permute(2, 0, 1)[None].float()
    if tuple(tensor.shape[-2:]) != tuple(size):
        tensor = F.interpolate(
            tensor,
            size=tuple(size),
            mode='bicubic',
            antialias=True,
            align_corners=False).clamp_(0, 255)
    mean_t = torch.tensor(mean, device=tensor.device).view(1, 3, 1, 1)
    std_t = torch.tensor(std, device=tensor.device).view(1, 3, 1, 1)
    return (tensor / 255.0 - mean_t) / std_t
