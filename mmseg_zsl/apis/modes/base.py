"""The interface every labelling mode provides to the engine."""
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from mmseg_zsl.annotation.base import BaseAnnotator
from ..inputs import ImageSource

#: ``labeler(record, masks=None)`` -> ``(H, W)`` uint8 label map.
Labeler = Callable[..., np.ndarray]


@dataclass
class ModeSetup:
    """What a mode builds for one annotation run.

    Attributes:
        annotator (BaseAnnotator): Image -> cache record.
        labeler (Labeler): Cache record -> label map.
        manifest (dict): The mode's manifest entries: ``annotator``,
            ``models``, ``annotator_settings``, ``labels``, ``random_init``.
        excluded (list[tuple[str, str]]): ``(path, reason)`` of images the
            mode cannot annotate (e.g. no prompts); the engine counts them
            as failed.
    """
    annotator: BaseAnnotator
    labeler: Labeler
    manifest: Dict[str, Any]
    excluded: List[Tuple[str, str]] = field(default_factory=list)


class AnnotationMode(metaclass=ABCMeta):
    """A way of labelling images, plugged into the engine.

    A mode turns keyword options into an annotator, a labeler and its
    manifest entries (:meth:`build`), and rebuilds a labeler from a
    manifest for relabelling from the cache (:meth:`relabeler`). Everything
    else (listing images, sharding, resume, the manifest checks, relabel
    history, summary, progress, writing) is the engine's.
    """

    #: The names a user picks the mode by, also the manifest's
    #: ``annotator`` values of the caches it writes and relabels.
    kinds: Tuple[str, ...] = ()
    #: Keyword options of :meth:`build` (others are an error).
    options: Tuple[str, ...] = ()
    #: The command line that runs the mode, if not ``tools/annotate.py``
    #: (``--prompts`` then does not offer it).
    own_tool: Optional[str] = None

    @abstractmethod
    def build(self, kind: str, images: ImageSource, device: str,
              **options: Any) -> ModeSetup:
        """Annotator, labeler and manifest entries of a new run.

        Args:
            kind (str): One of :attr:`kinds`.
            images (ImageSource): The run's images (their dataset's classes
                are the default class names).
            device (str): Device of the models.
            **options: Options of :attr:`options` that are set.
        """

    @abstractmethod
    def relabeler(self, manifest: Dict[str, Any], images: ImageSource,
                  device: str, **options: Any) -> Labeler:
        """A labeler for the cache the manifest describes (no SAM).

        Options the relabelling cannot change (e.g. the SAM checkpoint) are
        accepted and ignored, so that a run's command line plus
        ``--relabel`` works; the others replace the manifest's values.
        """

    def check_options(self, options: Dict[str, Any]) -> None:
        """Raise on options the mode does not take."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise ValueError(
                f'{unknown} do not apply to annotation mode '
                f'{"/".join(self.kinds)}; its options are '
                f'{sorted(self.options)}.')
