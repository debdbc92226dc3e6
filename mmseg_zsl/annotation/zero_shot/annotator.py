"""The zero-shot annotator: SAM segments + GEM dense CLIP features."""
from typing import Any, Dict, Optional

import numpy as np
import torch
from torch import Tensor

from ..base import AnnotationResult, BaseAnnotator
from ..cache import ImageRecord
from ..pooling import sam_pooling
from ..sam import SamMaskGenerator, SamMasks
from .gem import GEMDenseCLIP
from .labeler import ZeroShotLabeler
from .preprocess import RESIZE_MODES, clip_input_size, preprocess_for_clip
from .text import ClassVocabulary, ThresholdSpec


class ZeroShotAnnotator(BaseAnnotator):
    """SAM segments + GEM dense CLIP features -> labelled segments.

    The paper's zero-shot labeller (``docs/method.md`` section 1): SAM's
    automatic masks, GEM patch features pooled in each mask (Eq. 1) and
    compared with class text embeddings (Eq. 2), painted largest first.

    Args:
        mask_generator (SamMaskGenerator): SAM automatic mask generation.
        clip (GEMDenseCLIP): Dense image features and text embeddings.
        vocabulary (ClassVocabulary, optional): Classes and prompts; with
            ``threshold`` it makes :attr:`labeler`, needed by ``__call__``.
        threshold (float | Mapping[str, float], optional): Similarity
            threshold(s) ``tau_zs``.
        unassigned_label (int): Label of unassigned pixels: 0 (background)
            or 255 (ignore). Defaults to 0.
        image_size (int): CLIP input side ('square') or short side
            ('keep_ratio'). Defaults to 448.
        resize_mode (str): 'square' (GEM's squash) or 'keep_ratio' (aspect
            kept, sides rounded to the patch size). Defaults to 'square'.
    """
    kind = 'zero-shot'

    def __init__(self,
                 mask_generator: SamMaskGenerator,
                 clip: GEMDenseCLIP,
                 vocabulary: Optional[ClassVocabulary] = None,
                 threshold: Optional[ThresholdSpec] = None,
                 unassigned_label: int = 0,
                 image_size: int = 448,
                 resize_mode: str = 'square') -> None:
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f'resize_mode must be one of {RESIZE_MODES}, '
                             f'got {resize_mode!r}.')
        if image_size < 1:
            raise ValueError(f'image_size must be positive, got {image_size}.')
        self.mask_generator = mask_generator
        self.clip = clip
        self.image_size = image_size
        self.resize_mode = resize_mode
        self.labeler: Optional[ZeroShotLabeler] = None
        if vocabulary is not None and threshold is not None:
            self.labeler = ZeroShotLabeler.from_vocabulary(
                vocabulary, clip.encode_text, threshold, unassigned_label)

    # ------------------------------------------------------------- stages
    def segment(self, image: np.ndarray) -> SamMasks:
        """SAM masks: the RLEs, scores and ``(K, H, W)`` device masks."""
        return self.mask_generator.generate(image)

    def dense_features(self, image: np.ndarray) -> Tensor:
        """``(D, h, w)`` GEM features of an ``(H, W, 3)`` uint8 image."""
        size = clip_input_size(image.shape[0], image.shape[1],
                               self.image_size, self.resize_mode,
                               self.clip.patch_size)
        inputs = preprocess_for_clip(image, size, self.clip.device)
        return self.clip.encode_dense(inputs)[0]

    @torch.inference_mode()
    def annotate(self,
                 image: np.ndarray,
                 image_path: Optional[str] = None) -> AnnotationResult:
        device = torch.device(self.clip.device)
        if device.type == 'cuda':
            # GEM's kernels run on a side stream while the host drives SAM's
            # decoder batches on the default one.
            side = torch.cuda.Stream(device)
            side.wait_stream(torch.cuda.current_stream(device))
            with torch.cuda.stream(side):
                features = self.dense_features(image)
            sam_masks = self.segment(image)
            torch.cuda.current_stream(device).wait_stream(side)
            features.record_stream(torch.cuda.current_stream(device))
        else:
            sam_masks = self.segment(image)
            features = self.dense_features(image)
        masks = sam_masks.masks.to(features.device)
        embeddings = sam_pooling(masks, features)
        record = ImageRecord(
            image_size=tuple(image.shape[:2]),
            rles=sam_masks.rles,
            embeddings=embeddings.cpu().numpy().astype(np.float16),
            fields=dict(
                predicted_iou=sam_masks.predicted_iou,
                stability_score=sam_masks.stability_score))
        return AnnotationResult(record, masks)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """``(H, W)`` uint8 label map of an ``(H, W, 3)`` uint8 RGB image."""
        if self.labeler is None:
            raise ValueError('This annotator has no labeler: pass vocabulary '
                             'and threshold to ZeroShotAnnotator.')
        result = self.annotate(image)
        return self.labeler(result.record, result.masks)

    def settings(self) -> Dict[str, Any]:
        return dict(
            sam_generator=self.mask_generator.settings(),
            gem=dict(
                gem_depth=self.clip.gem_depth,
                ss_attn_iter=self.clip.ss_attn_iter,
                ss_attn_temp=self.clip.ss_attn_temp),
            clip_input=dict(
                image_size=self.image_size, resize_mode=self.resize_mode))
