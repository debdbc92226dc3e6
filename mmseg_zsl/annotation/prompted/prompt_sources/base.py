"""Weak annotations of one image, in the coordinates SAM's prompts take.

Every reader turns its file format into :class:`ImagePrompts`:

- boxes: ``(N, 4)`` float ``[x0, y0, x1, y1]`` in pixel-edge coordinates of
  the original image (a box covering columns 3..7 is ``x0=3, x1=8``), as
  ``SamPredictor`` takes them;
- points and scribbles: groups (one clicked object, one scribble) of
  ``[x, y]`` pixel coordinates (column, row), passed to SAM unchanged, as
  ``SamPredictor.predict`` takes point prompts.

Class names are resolved against the run's class list by
:class:`ClassIndex` (label id = position in the list).
"""
import os.path as osp
import re
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

#: Kinds of weak annotation an :class:`ImagePrompts` can carry.
PROMPT_KINDS = ('boxes', 'points', 'scribbles')


class MissingPromptsError(FileNotFoundError):
    """An image has no entry in the prompt source."""


def _normalise_name(name: str) -> str:
    return re.sub(r'[^0-9a-z]', '', name.lower())


class ClassIndex:
    """Class name (or id) -> label id, the position in ``names``.

    Names match exactly, or else after lower-casing and dropping spaces,
    '_' and '-' (so 'potted plant' finds 'pottedplant') when that is
    unambiguous.

    Args:
        names (Sequence[str]): Class names in label order.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.names = [str(n) for n in names]
        if not self.names:
            raise ValueError('The class list is empty.')
        if len(set(self.names)) != len(self.names):
            raise ValueError(f'Duplicate class names in {self.names}.')
        self._exact = {n: i for i, n in enumerate(self.names)}
        loose: Dict[str, List[int]] = {}
        for i, name in enumerate(self.names):
            loose.setdefault(_normalise_name(name), []).append(i)
        self._loose = {k: v[0] for k, v in loose.items() if len(v) == 1}

    def __len__(self) -> int:
        return len(self.names)

    def id_of(self, value: Union[str, int], where: str = '') -> int:
        """Label id of a class name or integer id.

        Raises:
            ValueError: Unknown name or id out of range (the message names
                it and lists the known classes).
        """
        at = f' in {where}' if where else ''
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f'Class{at} must be a name or an integer id, '
                            f'got {value!r}.')
        if isinstance(value, (int, np.integer)):
            if not 0 <= int(value) < len(self.names):
                raise ValueError(
                    f'Class id {int(value)}{at} is out of range: the class '
                    f'list has {len(self.names)} classes {self.names}.')
            return int(value)
        if not isinstance(value, str):
            raise TypeError(f'Class{at} must be a name or an integer id, '
                            f'got {type(value).__name__} {value!r}.')
        if value in self._exact:
            return self._exact[value]
        loose = self._loose.get(_normalise_name(value))
        if loose is not None:
            return loose
        raise ValueError(
            f'Unknown class name {value!r}{at}. Known classes: '
            f'{self.names}. Pass the class list the annotations use '
            '(--classes), or fix the name.')


@dataclass
class PromptGroup:
    """Points of one clicked object or one scribble.

    Attributes:
        class_id (int): Label id.
        xy (np.ndarray): ``(n, 2)`` float32 ``[x, y]`` pixel coordinates.
    """
    class_id: int
    xy: np.ndarray


def _empty_boxes() -> np.ndarray:
    return np.zeros((0, 4), dtype=np.float32)


def _empty_ids() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class ImagePrompts:
    """The weak annotations of one image.

    Attributes:
        boxes (np.ndarray): ``(N, 4)`` float32 ``[x0, y0, x1, y1]``.
        box_class_ids (np.ndarray): ``(N,)`` int64 label ids.
        points (list[PromptGroup]): Clicks, one group per object.
        scribbles (list[PromptGroup]): Scribbles, one group per stroke.
        image_size (tuple[int, int], optional): ``(H, W)`` the annotation
            file declares; checked against the image.
    """
    boxes: np.ndarray = field(default_factory=_empty_boxes)
    box_class_ids: np.ndarray = field(default_factory=_empty_ids)
    points: List[PromptGroup] = field(default_factory=list)
    scribbles: List[PromptGroup] = field(default_factory=list)
    image_size: Optional[Tuple[int, int]] = None

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, dtype=np.float32).reshape(-1, 4)
        self.box_class_ids = np.asarray(
            self.box_class_ids, dtype=np.int64).reshape(-1)
        assert len(self.boxes) == len(self.box_class_ids), \
            f'{len(self.boxes)} boxes for {len(self.box_class_ids)} classes'

    def check_image_size(self, height: int, width: int, name: str) -> None:
        """Raise if the annotation was made for an image of another size."""
        if self.image_size is not None and \
                tuple(self.image_size) != (height, width):
            raise ValueError(
                f'The prompts of {name} are for a {self.image_size[0]}x'
                f'{self.image_size[1]} (HxW) image, but the image is '
                f'{height}x{width}. Check that the annotation file belongs '
                'to this image.')

    def check_points(self, height: int, width: int, name: str) -> None:
        """Raise if a point or scribble pixel lies outside the image."""
        for kind, groups in (('point', self.points),
                             ('scribble', self.scribbles)):
            for group in groups:
                xy = group.xy
                outside = (xy[:, 0] < 0) | (xy[:, 0] > width) | \
                    (xy[:, 1] < 0) | (xy[:, 1] > height)
                if outside.any():
                    raise ValueError(
                        f'A {kind} of {name} lies outside the {height}x'
                        f'{width} (HxW) image: {xy[outside][0].tolist()} '
                        '(expected [x, y] = [column, row]).')

    def clipped_boxes(self, height: int,
                      width: int) -> Tuple[np.ndarray, np.ndarray]:
        """Boxes clipped to the image; those left without area dropped."""
        boxes = self.boxes.copy()
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
        keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        return boxes[keep], self.box_class_ids[keep]

    def groups(self, kind: str) -> List[PromptGroup]:
        """The point groups of ``kind`` ('points' or 'scribbles')."""
        if kind not in ('points', 'scribbles'):
            raise ValueError(
                f"kind must be 'points' or 'scribbles', got {kind!r}.")
        return self.points if kind == 'points' else self.scribbles


class PromptSource(metaclass=ABCMeta):
    """Weak annotations of a dataset, looked up by image file stem.

    Args:
        path (str): The annotation file or directory.
        class_index (ClassIndex): Names -> label ids.
    """

    #: Name of the format in the manifest and on the command line.
    format: str = ''
    #: The prompt kinds the format can hold.
    kinds: Tuple[str, ...] = ()

    def __init__(self, path: str, class_index: ClassIndex) -> None:
        self.path = path
        self.class_index = class_index

    @abstractmethod
    def has(self, stem: str) -> bool:
        """Whether the image ``stem`` has an entry (cheap)."""

    @abstractmethod
    def load(self, stem: str) -> ImagePrompts:
        """The prompts of image ``stem``.

        Raises:
            MissingPromptsError: No entry for the image.
            ValueError: A malformed entry or an unknown class name.
        """

    def settings(self) -> Dict[str, Any]:
        """What the prompts depend on (JSON-ready, for the manifest)."""
        return dict(format=self.format, path=osp.abspath(self.path))

    def missing(self, stem: str) -> MissingPromptsError:
        return MissingPromptsError(
            f'No {self.format} prompts for image {stem!r} in {self.path}.')


def as_xy(value: Any, where: str) -> np.ndarray:
    """``(n, 2)`` float32 points from ``[[x, y], ...]`` (or one ``[x, y]``)."""
    try:
        xy = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise ValueError(f'{where}: expected [[x, y], ...] numbers, got '
                         f'{value!r}.') from error
    if xy.ndim == 1 and xy.shape == (2, ):
        xy = xy[None]
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) == 0:
        raise ValueError(f'{where}: expected a non-empty list of [x, y] '
                         f'pairs, got shape {xy.shape}.')
    if not np.isfinite(xy).all():
        raise ValueError(f'{where}: points must be finite numbers.')
    return xy
