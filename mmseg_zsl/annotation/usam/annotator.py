"""U-SAM inference, the SAM half: grid masks and mask embeddings.

The annotator caches what needs SAM: the d grid masks (COCO RLE), their
float16 mask embeddings, SAM's predicted IoU and the prompt points; the
labeler (:mod:`.labeler`) needs only that record and the trained classifier.
"""
from typing import Any, Dict, Optional

import numpy as np

from ..base import AnnotationResult, BaseAnnotator
from ..cache import ImageRecord
from .tokens import SamMaskEmbedder


class USamAnnotator(BaseAnnotator):
    """SAM prompted by a d-point grid: masks and mask embeddings.

    Args:
        embedder (SamMaskEmbedder): SAM and the grid settings.
    """
    kind = 'usam'

    def __init__(self, embedder: SamMaskEmbedder) -> None:
        self.embedder = embedder

    def annotate(self,
                 image: np.ndarray,
                 image_path: Optional[str] = None) -> AnnotationResult:
        out = self.embedder.embed(image, return_masks=True)
        masks = out.masks.numpy()
        record = ImageRecord(
            image_size=tuple(image.shape[:2]),
            rles=ImageRecord.encode_masks(masks),
            embeddings=out.tokens.numpy().astype(np.float16),
            fields=dict(
                predicted_iou=out.predicted_iou.numpy().astype(np.float32),
                point_coords=out.points.astype(np.float32)))
        return AnnotationResult(record, masks)

    def settings(self) -> Dict[str, Any]:
        return dict(usam_embedder=self.embedder.settings())
