"""From cached segments to a label map: pure functions of the cache.

Labelling never needs SAM or the CLIP image tower: it reads the masks and
segment embeddings of an :class:`ImageRecord` and the class text
embeddings. A fresh annotation labels through the same code (from the
float16 embeddings it caches), so ``--relabel`` reproduces a fresh run
exactly.
"""
from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Union)

import numpy as np
import torch
from torch import Tensor

from ..cache import ImageRecord
from ..painting import paint_label_map
from .assignment import assign_labels
from .text import ClassVocabulary, ThresholdSpec, encode_class_prompts


def label_record(record: ImageRecord,
                 text_embeddings: Tensor,
                 thresholds: Union[float, Tensor],
                 text_class_ids: Sequence[int],
                 unassigned_label: int,
                 masks: Optional[np.ndarray] = None) -> np.ndarray:
    """Label map of one cached image.

    Args:
        record (ImageRecord): Masks and float16 segment embeddings.
        text_embeddings (Tensor): ``(C_text, D)`` normalised.
        thresholds (float | Tensor): One or ``(C_text,)`` thresholds.
        text_class_ids (Sequence[int]): Label id of each text class.
        unassigned_label (int): Label of unassigned pixels (0 or 255).
        masks (np.ndarray, optional): The decoded masks, if at hand (saves
            decoding the RLEs; they are identical).

    Returns:
        np.ndarray: ``(H, W)`` uint8.
    """
    if record.embeddings is None:
        raise ValueError('This cache record has no segment embeddings; it '
                         'was not written by the zero-shot annotator.')
    if masks is None:
        masks = record.decode_masks()
    embeddings = torch.from_numpy(np.asarray(record.embeddings)).float()
    text_index, _ = assign_labels(embeddings, text_embeddings, thresholds)
    lut = torch.tensor(list(text_class_ids) + [-1], dtype=torch.long)
    # Index -1 (unassigned) reads the trailing -1 of the lookup table.
    labels = lut[text_index]
    return paint_label_map(masks, labels, unassigned_label)


class ZeroShotLabeler:
    """Labels cached zero-shot segments by text similarity.

    Args:
        text_embeddings (Tensor): ``(C_text, D)`` normalised class
            embeddings (see :func:`.text.encode_class_prompts`).
        text_class_ids (Sequence[int]): Label id of each text class.
        thresholds (float | Tensor): Similarity threshold(s) ``tau_zs``.
        unassigned_label (int): Label of unassigned pixels (0 or 255).
        settings (dict, optional): What produced the text embeddings
            (classes, prompts, thresholds...), recorded in the manifest.
    """

    def __init__(self,
                 text_embeddings: Tensor,
                 text_class_ids: Sequence[int],
                 thresholds: Union[float, Tensor],
                 unassigned_label: int,
                 settings: Optional[Dict[str, Any]] = None) -> None:
        if len(text_class_ids) != len(text_embeddings):
            raise ValueError(
                f'{len(text_class_ids)} class ids for '
                f'{len(text_embeddings)} text embeddings.')
        if unassigned_label not in (0, 255):
            raise ValueError('unassigned_label must be 0 (background) or '
                             f'255 (ignore), got {unassigned_label}.')
        if unassigned_label == 0 and 0 in text_class_ids:
            raise ValueError(
                'unassigned_label 0 would give unassigned pixels the label '
                'of class 0, which is queried with text (not a background '
                'class). Use unassigned_label 255 (ignore), or put a '
                "'background' class first.")
        self.text_embeddings = text_embeddings.float().cpu()
        self.text_class_ids = list(text_class_ids)
        self.thresholds = thresholds
        self.unassigned_label = unassigned_label
        self._settings = dict(settings or {})

    @classmethod
    def from_vocabulary(cls, vocabulary: ClassVocabulary,
                        encode: Callable[[List[str]], Tensor],
                        threshold: ThresholdSpec,
                        unassigned_label: int) -> 'ZeroShotLabeler':
        """Encode the vocabulary's prompts and resolve the thresholds.

        Args:
            vocabulary (ClassVocabulary): Classes and prompts.
            encode (Callable): List of strings -> normalised embeddings
                (e.g. ``GEMDenseCLIP.encode_text`` or a text-only
                :class:`~mmseg_zsl.annotation.zero_shot.text.CLIPTextEncoder`).
            threshold (float | Mapping[str, float]): Similarity threshold,
                or per class name (with an optional 'default').
            unassigned_label (int): 0 (background) or 255 (ignore).
        """
        text_embeddings = encode_class_prompts(encode, vocabulary.prompts)
        thresholds = vocabulary.thresholds(threshold)
        if isinstance(threshold, Mapping):
            threshold = {str(k): float(v) for k, v in threshold.items()}
        else:
            threshold = float(threshold)
        return cls(
            text_embeddings,
            vocabulary.text_class_ids,
            thresholds,
            unassigned_label,
            settings=dict(vocabulary.to_dict(), threshold=threshold))

    def __call__(self,
                 record: ImageRecord,
                 masks: Optional[np.ndarray] = None) -> np.ndarray:
        return label_record(record, self.text_embeddings, self.thresholds,
                            self.text_class_ids, self.unassigned_label, masks)

    def settings(self) -> Dict[str, Any]:
        return dict(self._settings, unassigned_label=self.unassigned_label)
