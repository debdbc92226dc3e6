"""SAM prompted by weak annotations: boxes, points, scribbles.

Jiang & Yang, "Segment Anything is a good pseudo-label generator for weakly
supervised semantic segmentation": each weak annotation becomes a SAM
prompt, and each prompt's mask is labelled with the prompt's class (prompt
construction in :mod:`~mmseg_zsl.annotation.prompted.prompt_building`). The
annotators write the same cache records as the zero-shot one (masks as
COCO RLE, plus ``class_id`` and ``predicted_iou`` per mask), labelled by
:class:`~mmseg_zsl.annotation.prompted.labeler.PromptedLabeler`.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from mmseg_zsl.utils.files import image_stem
from ..base import DEFAULT_BACKGROUND_NAMES, AnnotationResult, BaseAnnotator
from ..cache import ImageRecord
from .labeler import background_ids
from .prompt_building import (ClassPrompt, MaskChoice, build_class_prompts,
                              check_mask_choice, image_rng, iterative_counts,
                              multimask_output, sam_boxes, sam_points,
                              sample_scribbles, select_masks)
from .prompt_sources.base import ImagePrompts, PromptSource


class PromptedAnnotator(BaseAnnotator):
    """Shared part: a ``SamPredictor``, a prompt source, the mask choice.

    Args:
        sam (nn.Module): A segment_anything ``Sam``.
        source (PromptSource): Weak annotations by image stem.
        mask_choice (int | str): Which SAM output to keep: 0, 1, 2 (the
            paper's), 'best' (highest predicted IoU) or 'single' (SAM's
            single-mask output). Defaults to 2.
    """

    def __init__(self,
                 sam: nn.Module,
                 source: PromptSource,
                 mask_choice: MaskChoice = 2) -> None:
        from segment_anything import SamPredictor
        if self.kind not in source.kinds:
            raise ValueError(
                f'{source.format} files hold {list(source.kinds)}, not '
                f'{self.kind}; use the prompt JSON format for points and '
                'scribbles (docs/prompted.md).')
        self.predictor = SamPredictor(sam)
        self.source = source
        self.mask_choice = check_mask_choice(mask_choice)

    @property
    def class_names(self) -> List[str]:
        return list(self.source.class_index.names)

    def has_prompts(self, image_path: str) -> bool:
        """Whether the source has an entry for this image (cheap)."""
        return self.source.has(image_stem(image_path))

    def load_prompts(self, image: np.ndarray,
                     image_path: Optional[str]) -> Tuple[str, ImagePrompts]:
        """The image's stem and prompts (size checked against the image)."""
        if image_path is None:
            raise ValueError(f'The {self.kind} annotator finds prompts by '
                             'image file name: pass image_path.')
        stem = image_stem(image_path)
        prompts = self.source.load(stem)
        prompts.check_image_size(image.shape[0], image.shape[1], image_path)
        return stem, prompts

    def predict(self, **prompts: Optional[Tensor]
                ) -> Tuple[Tensor, Tensor, Tensor]:
        """SAM on the set image; the kept mask, IoU and logits per prompt."""
        masks, iou, low_res = self.predictor.predict_torch(
            multimask_output=multimask_output(self.mask_choice), **prompts)
        return select_masks(masks, iou, low_res, self.mask_choice)

    @staticmethod
    def result(image_size: Tuple[int, int], masks: Sequence[Tensor],
               class_ids: Sequence[int],
               scores: Sequence[Tensor]) -> AnnotationResult:
        """The cache record of ``(H, W)`` masks and their classes."""
        if masks:
            stacked = torch.stack(list(masks)).cpu().numpy().astype(bool)
            iou = torch.stack(list(scores)).float().cpu().numpy()
        else:
            stacked = np.zeros((0, *image_size), dtype=bool)
            iou = np.zeros(0, dtype=np.float32)
        record = ImageRecord(
            image_size=tuple(image_size),
            rles=ImageRecord.encode_masks(stacked),
            fields=dict(
                class_id=np.asarray(class_ids, dtype=np.int64),
                predicted_iou=iou.astype(np.float32)))
        return AnnotationResult(record, stacked)

    def settings(self) -> Dict[str, Any]:
        return dict(
            prompts=self.kind,
            source=self.source.settings(),
            classes=self.class_names,
            mask_choice=self.mask_choice)


class BoxPromptAnnotator(PromptedAnnotator):
    """Every object box -> one SAM mask labelled with the box's class.

    No negative points (boxes give no reliable point locations). The image
    is encoded once; its boxes are decoded in batches. Boxes are clipped to
    the image; boxes left without area are dropped.

    Args:
        sam (nn.Module): A segment_anything ``Sam``.
        source (PromptSource): Boxes by image stem.
        mask_choice (int | str): See :class:`PromptedAnnotator`.
            Defaults to 2.
        boxes_per_batch (int): Boxes decoded at once (memory only).
            Defaults to 64.
    """
    kind = 'boxes'

    def __init__(self,
                 sam: nn.Module,
                 source: PromptSource,
                 mask_choice: MaskChoice = 2,
                 boxes_per_batch: int = 64) -> None:
        super().__init__(sam, source, mask_choice)
        if boxes_per_batch < 1:
            raise ValueError(
                f'boxes_per_batch must be >= 1, got {boxes_per_batch}.')
        self.boxes_per_batch = boxes_per_batch

    @torch.inference_mode()
    def annotate(self,
                 image: np.ndarray,
                 image_path: Optional[str] = None) -> AnnotationResult:
        _, prompts = self.load_prompts(image, image_path)
        size = (image.shape[0], image.shape[1])
        boxes, class_ids = prompts.clipped_boxes(*size)
        masks: List[Tensor] = []
        scores: List[Tensor] = []
        if len(boxes):  # no box: no SAM at all
            self.predictor.set_image(image)
            for start in range(0, len(boxes), self.boxes_per_batch):
                batch = sam_boxes(boxes[start:start + self.boxes_per_batch],
                                  size, self.predictor.transform,
                                  self.predictor.device)
                kept, iou, _ = self.predict(
                    point_coords=None, point_labels=None, boxes=batch)
                masks.extend(kept)
                scores.extend(iou)
        return self.result(size, masks, class_ids.tolist(), scores)


class PointPromptAnnotator(PromptedAnnotator):
    """Clicks or scribbles of each class -> one SAM mask per class.

    Per class present in the image: its points (scribbles: a seeded
    ``scribble_ratio`` sample of each scribble's pixels) are positive
    prompts, the other classes' points negative ones. Background classes
    give negative points only. With ``iterative``, the positive points come
    in rounds of ``points_per_round`` (cumulative), each round fed the
    previous round's low-resolution logits as ``mask_input``.

    Args:
        sam (nn.Module): A segment_anything ``Sam``.
        source (PromptSource): Points/scribbles by image stem.
        prompt_type (str): 'points' or 'scribbles'. Defaults to 'points'.
        mask_choice (int | str): See :class:`PromptedAnnotator`.
            Defaults to 2.
        scribble_ratio (float): Fraction of each scribble's pixels used
            (scribbles only), in (0, 1]. Defaults to 0.2.
        seed (int): Seed of the scribble sampling, combined with the image
            stem. Defaults to 0.
        negative_points (bool): Other classes' points as negative prompts.
            Defaults to True.
        iterative (bool): Iterative input. Defaults to False.
        points_per_round (int): Positive points added per round.
            Defaults to 1.
        background_names (Sequence[str]): Classes used only as negatives.
            Defaults to ('background',).
    """

    def __init__(self,
                 sam: nn.Module,
                 source: PromptSource,
                 prompt_type: str = 'points',
                 mask_choice: MaskChoice = 2,
                 scribble_ratio: float = 0.2,
                 seed: int = 0,
                 negative_points: bool = True,
                 iterative: bool = False,
                 points_per_round: int = 1,
                 background_names: Sequence[str] = DEFAULT_BACKGROUND_NAMES
                 ) -> None:
        if prompt_type not in ('points', 'scribbles'):
            raise ValueError("prompt_type must be 'points' or 'scribbles', "
                             f'got {prompt_type!r}.')
        self.kind = prompt_type
        super().__init__(sam, source, mask_choice)
        if not 0 < scribble_ratio <= 1:
            raise ValueError('scribble_ratio must be in (0, 1], got '
                             f'{scribble_ratio}.')
        iterative_counts(1, points_per_round)  # validates it
        self.scribble_ratio = scribble_ratio
        self.seed = seed
        self.negative_points = negative_points
        self.iterative = iterative
        self.points_per_round = points_per_round
        self.background_names = list(background_names)
        self.background_ids = background_ids(source.class_index,
                                             self.background_names)

    def class_prompts(self, stem: str,
                      prompts: ImagePrompts) -> List[ClassPrompt]:
        """The :class:`ClassPrompt` of each class of the image."""
        groups = prompts.groups(self.kind)
        if self.kind == 'scribbles':
            groups = sample_scribbles(groups, self.scribble_ratio,
                                      image_rng(self.seed, stem))
        return build_class_prompts(groups, self.background_ids,
                                   self.negative_points)

    @torch.inference_mode()
    def annotate(self,
                 image: np.ndarray,
                 image_path: Optional[str] = None) -> AnnotationResult:
        stem, prompts = self.load_prompts(image, image_path)
        size = (image.shape[0], image.shape[1])
        prompts.check_points(*size, image_path)
        class_prompts = self.class_prompts(stem, prompts)
        masks: List[Tensor] = []
        scores: List[Tensor] = []
        if class_prompts:  # no prompt: no SAM at all
            self.predictor.set_image(image)
        for prompt in class_prompts:
            rounds = [len(prompt.positive)]
            if self.iterative:
                rounds = iterative_counts(rounds[0], self.points_per_round)
            mask_input = None
            for num_positive in rounds:
                coords, labels = sam_points(*prompt.points(num_positive),
                                            size, self.predictor.transform,
                                            self.predictor.device)
                kept, iou, mask_input = self.predict(
                    point_coords=coords,
                    point_labels=labels,
                    mask_input=mask_input)
            masks.append(kept[0])
            scores.append(iou[0])
        return self.result(size, masks, [p.class_id for p in class_prompts],
                           scores)

    def settings(self) -> Dict[str, Any]:
        settings = dict(
            super().settings(),
            background_names=self.background_names,
            negative_points=self.negative_points,
            iterative=self.iterative,
            points_per_round=self.points_per_round)
        if self.kind == 'scribbles':
            settings.update(scribble_ratio=self.scribble_ratio, seed=self.seed)
        return settings
