"""U-SAM inference, the classifier half: classes of the cached grid masks.

The labeler needs only the annotator's record and the trained classifier:
student confidence per mask, masks below the confidence threshold dropped,
mask NMS among the kept ones, then painted like every annotator's segments
(largest first, smaller masks win). So a new threshold or a retrained
classifier relabels from the cache without SAM.
"""
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch

from mmseg_zsl.utils.files import file_sha256
from ..cache import ImageRecord
from ..painting import paint_label_map
from ..zero_shot.text import default_display_name
from .classifier import MaskClassifier
from .mask_ops import mask_nms
from .trainer import load_classifier


@dataclass
class Detections:
    """The masks a labeler keeps for one image.

    Attributes:
        indices (np.ndarray): ``(M,)`` rows of the record, best first.
        labels (np.ndarray): ``(M,)`` dataset label ids.
        scores (np.ndarray): ``(M,)`` student confidences.
    """
    indices: np.ndarray
    labels: np.ndarray
    scores: np.ndarray


def match_class_names(classifier_classes: Sequence[str],
                      class_names: Sequence[str]) -> list:
    """Dataset label id of each classifier class (by name or display name).

    Raises:
        ValueError: A classifier class is not among the dataset classes.
    """
    lookup = {}
    for index, name in reversed(list(enumerate(class_names))):
        lookup[default_display_name(name)] = index
    for index, name in reversed(list(enumerate(class_names))):
        lookup[name] = index
    missing = [n for n in classifier_classes if n not in lookup
               and default_display_name(n) not in lookup]
    if missing:
        raise ValueError(
            f'The U-SAM classifier knows classes {missing} that are not '
            f'among the dataset classes {list(class_names)}. Pass the class '
            'list the example folders were named after (--classes), or '
            'rename the example folders and train again.')
    return [
        lookup[n] if n in lookup else lookup[default_display_name(n)]
        for n in classifier_classes
    ]


class USamLabeler:
    """Cached U-SAM masks -> label map, with a trained classifier.

    Args:
        classifier (MaskClassifier): The student.
        class_label_ids (Sequence[int]): Dataset label id of each
            classifier output.
        unassigned_label (int): Label of pixels no kept mask covers: 0
            (background) or 255 (ignore). Defaults to 0.
        confidence_threshold (float): Masks whose top softmax probability
            is below it are dropped. Defaults to 0.7 (the paper's SAM+CLIP
            baseline "similar to our U-SAM post-processing" uses 70 %).
        nms_thresh (float): Mask-IoU above which the less confident of two
            kept masks is suppressed (class-agnostic: one label per
            object). Defaults to 0.5.
        settings (dict, optional): Recorded in the manifest (classes,
            checkpoint).
        device (str): Classifier device. Defaults to 'cpu'.
    """

    def __init__(self,
                 classifier: MaskClassifier,
                 class_label_ids: Sequence[int],
                 unassigned_label: int = 0,
                 confidence_threshold: float = 0.7,
                 nms_thresh: float = 0.5,
                 settings: Optional[Dict[str, Any]] = None,
                 device: str = 'cpu') -> None:
        if len(class_label_ids) != classifier.num_classes:
            raise ValueError(f'{len(class_label_ids)} label ids for a '
                             f'classifier of {classifier.num_classes} '
                             'classes.')
        if unassigned_label not in (0, 255):
            raise ValueError('unassigned_label must be 0 (background) or '
                             f'255 (ignore), got {unassigned_label}.')
        if unassigned_label == 0 and 0 in class_label_ids:
            raise ValueError(
                'unassigned_label 0 would give unassigned pixels the label '
                'of a classifier class (label 0). Use unassigned_label 255, '
                "or a class list with 'background' first.")
        if not 0.0 <= confidence_threshold <= 1.0:
            raise ValueError('confidence_threshold is a probability in '
                             f'[0, 1], got {confidence_threshold}.')
        self.classifier = classifier.to(device).eval()
        self.class_label_ids = np.asarray(class_label_ids, dtype=np.int64)
        self.unassigned_label = unassigned_label
        self.confidence_threshold = confidence_threshold
        self.nms_thresh = nms_thresh
        self.device = device
        self._settings = dict(settings or {})
        #: The ``meta`` of the checkpoint it came from (SAM, embedder).
        self.checkpoint_meta: Optional[Dict[str, Any]] = None

    @classmethod
    def from_checkpoint(cls,
                        checkpoint: str,
                        class_names: Sequence[str],
                        device: str = 'cpu',
                        **kwargs: Any) -> 'USamLabeler':
        """Load ``student.pth``; map its classes onto ``class_names``.

        ``kwargs`` go to the constructor (thresholds, unassigned label).
        """
        classifier, meta = load_classifier(checkpoint, device)
        label_ids = match_class_names(meta['class_names'], class_names)
        settings = dict(
            classes=list(class_names),
            classifier=dict(
                checkpoint=checkpoint,
                sha256=file_sha256(checkpoint),
                class_names=list(meta['class_names']),
                label_ids=label_ids,
                sam=meta['meta'].get('sam'),
                embedder=meta['meta'].get('embedder')))
        labeler = cls(classifier, label_ids, settings=settings,
                      device=device, **kwargs)
        labeler.checkpoint_meta = meta['meta']
        return labeler

    @torch.no_grad()
    def classify(self, record: ImageRecord) -> tuple:
        """``(K,)`` confidences and classifier classes of every mask."""
        if record.embeddings is None:
            raise ValueError('This cache record has no mask embeddings; it '
                             'was not written by the U-SAM annotator.')
        embeddings = torch.from_numpy(np.asarray(record.embeddings)).float()
        if embeddings.shape[-1] != self.classifier.in_channels:
            raise ValueError(
                f'Mask embeddings of length {embeddings.shape[-1]} do not '
                f'fit this classifier ({self.classifier.in_channels}): it '
                'was trained on another SAM.')
        probs = self.classifier(embeddings.to(self.device)).softmax(dim=-1)
        scores, classes = probs.max(dim=-1)
        return scores.cpu().numpy(), classes.cpu().numpy()

    def detections(self, record: ImageRecord) -> Detections:
        """Kept masks: confident enough, non-empty, after mask NMS."""
        scores, classes = self.classify(record)
        candidates = np.nonzero((scores >= self.confidence_threshold)
                                & (record.areas() > 0))[0]
        rles = record.coco_rles()
        keep = candidates[mask_nms([rles[i] for i in candidates],
                                   scores[candidates], self.nms_thresh)]
        keep = np.asarray(keep, dtype=np.int64)
        return Detections(keep, self.class_label_ids[classes[keep]],
                          scores[keep])

    def __call__(self,
                 record: ImageRecord,
                 masks: Optional[np.ndarray] = None) -> np.ndarray:
        found = self.detections(record)
        if masks is None:
            masks = record.decode_masks()
        labels = np.full(record.num_masks, -1, dtype=np.int64)
        labels[found.indices] = found.labels
        return paint_label_map(masks, labels, self.unassigned_label)

    def settings(self) -> Dict[str, Any]:
        return dict(
            self._settings,
            threshold=self.confidence_threshold,
            confidence_threshold=self.confidence_threshold,
            nms_thresh=self.nms_thresh,
            unassigned_label=self.unassigned_label)
