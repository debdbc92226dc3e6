"""What every labelling mode shares: the per-image annotator interface.

The engine (:mod:`mmseg_zsl.apis.engine`) needs only a
:class:`BaseAnnotator` (image -> cache record) and a labeler (record ->
label map), so each mode (zero-shot, prompted, U-SAM) reuses its cache,
resume, sharding and summary.
"""
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

import numpy as np
from torch import Tensor

from .cache import ImageRecord

#: Classes that are not looked for with text or prompts (their pixels are
#: what no other class claims).
DEFAULT_BACKGROUND_NAMES = ('background', )
#: Labels of pixels no assigned segment covers: background or ignore.
UNASSIGNED_LABELS = (0, 255)
#: PASCAL/COCO background.
DEFAULT_UNASSIGNED_LABEL = 0


@dataclass
class AnnotationResult:
    """One annotated image.

    Attributes:
        record (ImageRecord): What goes into the cache.
        masks (np.ndarray | Tensor): ``(K, H, W)`` boolean masks, those of
            the record's RLEs (kept to label without decoding again; a
            tensor stays on its device, where painting happens too).
    """
    record: ImageRecord
    masks: Union[np.ndarray, Tensor]


class BaseAnnotator(metaclass=ABCMeta):
    """Interface of per-image annotators used by the dataset run loop."""

    #: Name recorded in the manifest (e.g. 'zero-shot', 'boxes').
    kind: str = ''

    @abstractmethod
    def annotate(self,
                 image: np.ndarray,
                 image_path: Optional[str] = None) -> AnnotationResult:
        """Masks and per-mask data of an ``(H, W, 3)`` uint8 RGB image.

        ``image_path`` lets prompted annotators find the image's prompts.
        """

    @abstractmethod
    def settings(self) -> Dict[str, Any]:
        """Everything the cached records depend on (JSON-ready)."""
