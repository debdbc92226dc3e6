"""From weak annotations to SAM prompts (pure functions, no model).

- Boxes: every box is one prompt, labelled with its class; no points.
- Points and scribbles: one prompt per class present in the image. Its
  positive points are the class's clicks (scribbles: a seeded sample of
  each scribble's pixels, 20 % by default, as in Jiang & Yang); its negative
  points are those of every other class, background included. Classes
  named as background give negative points only.
- Iterative input: the positive points are fed in rounds of
  ``points_per_round`` (cumulative); each round also gets the previous
  round's low-resolution logits as ``mask_input``.
- SAM returns three masks per prompt (``multimask_output=True``); which one
  is kept is ``mask_choice``: its index 0, 1 or 2 (the paper keeps the
  third, 2), 'best' (highest predicted IoU), or 'single' (SAM's
  single-mask output, ``multimask_output=False``).
"""
import zlib
from dataclasses import dataclass
from typing import Collection, List, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from .prompt_sources.base import PromptGroup

MaskChoice = Union[int, str]
#: Allowed values of ``mask_choice``.
MASK_CHOICES: Tuple[MaskChoice, ...] = (0, 1, 2, 'best', 'single')


def check_mask_choice(choice: MaskChoice) -> MaskChoice:
    """``choice`` as int or str; '2' (from a command line) becomes 2."""
    if isinstance(choice, str) and choice.isdigit():
        choice = int(choice)
    if isinstance(choice, bool) or choice not in MASK_CHOICES:
        raise ValueError(f'mask_choice must be one of {MASK_CHOICES}, got '
                         f'{choice!r}.')
    return choice


def multimask_output(choice: MaskChoice) -> bool:
    """Whether SAM must return its three masks for ``choice``."""
    return check_mask_choice(choice) != 'single'


def select_masks(masks: Tensor, iou_predictions: Tensor, low_res: Tensor,
                 choice: MaskChoice) -> Tuple[Tensor, Tensor, Tensor]:
    """Keep one of SAM's outputs per prompt.

    Args:
        masks (Tensor): ``(B, C, H, W)``; C = 3 (multimask) or 1 ('single').
        iou_predictions (Tensor): ``(B, C)``.
        low_res (Tensor): ``(B, C, h, w)`` logits.
        choice (int | str): See the module docstring.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``(B, H, W)`` masks, ``(B,)``
        predicted IoUs and ``(B, 1, h, w)`` logits of the kept outputs.
    """
    choice = check_mask_choice(choice)
    num_outputs = masks.shape[1]
    expected = 1 if choice == 'single' else 3
    assert num_outputs == expected, \
        f'{num_outputs} SAM outputs for mask_choice {choice!r}'
    if choice == 'best':
        index = iou_predictions.argmax(dim=1)
    else:
        index = torch.full((masks.shape[0], ),
                           0 if choice == 'single' else choice,
                           dtype=torch.long,
                           device=masks.device)
    rows = torch.arange(masks.shape[0], device=masks.device)
    return (masks[rows, index], iou_predictions[rows, index],
            low_res[rows, index][:, None])


def image_rng(seed: int, stem: str) -> np.random.Generator:
    """A generator that depends only on ``seed`` and the image stem.

    So samples do not depend on the order images are processed in (resume,
    several processes).
    """
    return np.random.default_rng([seed, zlib.crc32(stem.encode('utf-8'))])


def num_sampled(num_pixels: int, ratio: float) -> int:
    """``ratio`` of ``num_pixels`` rounded half up, at least one."""
    return max(1, int(np.floor(ratio * num_pixels + 0.5)))


def sample_scribbles(groups: Sequence[PromptGroup], ratio: float,
                     rng: np.random.Generator) -> List[PromptGroup]:
    """Each scribble's pixels sampled to ``ratio`` (without replacement).

    ``ratio`` 1 keeps every pixel in order. A scribble keeps
    :func:`num_sampled` pixels, so none vanishes.
    """
    if not 0 < ratio <= 1:
        raise ValueError(
            f'The scribble sampling ratio must be in (0, 1], got {ratio}.')
    if ratio == 1:
        return list(groups)
    sampled = []
    for group in groups:
        pick = rng.choice(
            len(group.xy), num_sampled(len(group.xy), ratio), replace=False)
        sampled.append(PromptGroup(group.class_id, group.xy[pick]))
    return sampled


@dataclass
class ClassPrompt:
    """The points of one class's SAM prompt.

    Attributes:
        class_id (int): Label id of the mask.
        positive (np.ndarray): ``(P, 2)`` float32 ``[x, y]``.
        negative (np.ndarray): ``(Q, 2)`` float32 ``[x, y]``.
    """
    class_id: int
    positive: np.ndarray
    negative: np.ndarray

    def points(self, num_positive: int) -> Tuple[np.ndarray, np.ndarray]:
        """The first ``num_positive`` positives, then all negatives, and
        their SAM labels (1 positive, 0 negative)."""
        coords = np.concatenate(
            [self.positive[:num_positive], self.negative])
        labels = np.concatenate([
            np.ones(min(num_positive, len(self.positive)), dtype=np.int64),
            np.zeros(len(self.negative), dtype=np.int64)
        ])
        return coords, labels


def _stack(groups: Sequence[PromptGroup]) -> np.ndarray:
    if not groups:
        return np.zeros((0, 2), dtype=np.float32)
    return np.concatenate([g.xy for g in groups]).astype(np.float32)


def build_class_prompts(groups: Sequence[PromptGroup],
                        negative_only: Collection[int] = (),
                        negative_points: bool = True) -> List[ClassPrompt]:
    """One prompt per class present, in label id order.

    Args:
        groups (Sequence[PromptGroup]): Clicks or (sampled) scribbles.
        negative_only (Collection[int]): Class ids (background) that are
            never prompted for a mask, only used as negatives.
        negative_points (bool): Use the other classes' points as negative
            prompts. Defaults to True.
    """
    prompts = []
    for class_id in sorted({g.class_id for g in groups} - set(negative_only)):
        positive = _stack([g for g in groups if g.class_id == class_id])
        negative = _stack([g for g in groups if g.class_id != class_id]) \
            if negative_points else np.zeros((0, 2), dtype=np.float32)
        prompts.append(ClassPrompt(class_id, positive, negative))
    return prompts


def iterative_counts(num_positive: int, points_per_round: int) -> List[int]:
    """Positive points given in each round: ``step, 2 step, ..., all``."""
    if points_per_round < 1:
        raise ValueError(
            f'points_per_round must be >= 1, got {points_per_round}.')
    counts = list(range(points_per_round, num_positive, points_per_round))
    return counts + [num_positive]


def sam_boxes(boxes: np.ndarray, image_size: Tuple[int, int], transform,
              device: Union[str, torch.device]) -> Tensor:
    """``(N, 4)`` boxes in SAM's resized input frame.

    Args:
        boxes (np.ndarray): ``(N, 4)`` ``[x0, y0, x1, y1]`` image pixels.
        image_size (tuple[int, int]): ``(H, W)`` of the image.
        transform: SAM's ``ResizeLongestSide`` (``predictor.transform``).
        device: Device of the result.
    """
    boxes = torch.as_tensor(boxes, dtype=torch.float, device=device)
    return transform.apply_boxes_torch(boxes, image_size)


def sam_points(coords: np.ndarray, labels: np.ndarray,
               image_size: Tuple[int, int], transform,
               device: Union[str, torch.device]) -> Tuple[Tensor, Tensor]:
    """``(1, N, 2)`` points in SAM's input frame and ``(1, N)`` labels."""
    coords = torch.as_tensor(coords, dtype=torch.float, device=device)
    coords = transform.apply_coords_torch(coords, image_size)
    labels = torch.as_tensor(labels, dtype=torch.int, device=device)
    return coords[None], labels[None]
