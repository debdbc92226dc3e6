"""SAM mask embeddings: masks and output mask tokens for a point grid.

U-SAM (Kundu et al., Sec. 3.3) classifies each mask by the 4 output mask
tokens (4 x 256) that SAM's mask decoder computes for its prompt and uses
only internally (the hypernetwork MLPs turn them into mask weights). They
are read with a forward hook on the decoder's two-way transformer, whose
first output ``hs`` holds ``[iou token, 4 mask tokens, prompt tokens]``
per prompt; the hook returns nothing, so SAM's outputs are unchanged and the
installed package is not edited.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
import torch
from torch import Tensor, nn

#: How each grid point's mask is chosen among SAM's outputs.
MASK_SELECTIONS = ('best', 'single')


@contextmanager
def capture_mask_tokens(mask_decoder: nn.Module) -> Iterator[List[Tensor]]:
    """Collect the output mask tokens of every decoder call in the block.

    Args:
        mask_decoder (nn.Module): A segment_anything ``MaskDecoder``.

    Yields:
        list[Tensor]: One ``(B, num_mask_tokens, transformer_dim)`` tensor
        per decoder call, appended as the calls happen.
    """
    captured: List[Tensor] = []
    num_tokens = mask_decoder.num_mask_tokens

    def hook(module: nn.Module, inputs: Any, outputs: Any) -> None:
        # hs[:, 0] is the IoU token; the mask tokens follow it.
        captured.append(outputs[0][:, 1:1 + num_tokens].detach())

    handle = mask_decoder.transformer.register_forward_hook(hook)
    try:
        yield captured
    finally:
        handle.remove()


def uniform_point_grid(points_per_side: int, height: int,
                       width: int) -> np.ndarray:
    """``(n * n, 2)`` cell-centred ``(x, y)`` pixel points, row by row.

    The same grid as SAM's automatic mask generator (``build_point_grid``
    scaled to the image).
    """
    from segment_anything.utils.amg import build_point_grid
    if points_per_side < 1:
        raise ValueError(
            f'points_per_side must be >= 1, got {points_per_side}.')
    return build_point_grid(points_per_side) * np.array([[width, height]])


@dataclass
class MaskEmbeddings:
    """SAM's answer to the d grid prompts of one image.

    Attributes:
        tokens (Tensor): ``(d, num_mask_tokens * transformer_dim)`` float32
            flattened output mask tokens (``(d, 1024)`` for the real SAMs).
        points (np.ndarray): ``(d, 2)`` float ``(x, y)`` prompts in pixels.
        masks (Tensor, optional): ``(d, H, W)`` bool, the chosen mask of
            each prompt at the image size.
        predicted_iou (Tensor, optional): ``(d,)`` SAM's quality score of
            the chosen masks.
    """
    tokens: Tensor
    points: np.ndarray
    masks: Optional[Tensor] = None
    predicted_iou: Optional[Tensor] = None


class SamMaskEmbedder:
    """Grid-prompted SAM returning each prompt's mask and mask tokens.

    Args:
        sam (nn.Module): A segment_anything ``Sam``.
        points_per_side (int): The grid has ``points_per_side ** 2 = d``
            points. Defaults to 10 (U-SAM's d = 100).
        points_per_batch (int): Prompts decoded at once (memory; other
            batch sizes can change results in the last float bit only).
            Defaults to 64.
        mask_selection (str): 'best': SAM's three multimask outputs, the one
            with the highest predicted IoU (SAM's advice for single-point
            prompts); 'single': the single-mask output. The tokens are the
            same either way. Defaults to 'best'.
    """

    def __init__(self,
                 sam: nn.Module,
                 points_per_side: int = 10,
                 points_per_batch: int = 64,
                 mask_selection: str = 'best') -> None:
        from segment_anything import SamPredictor
        if mask_selection not in MASK_SELECTIONS:
            raise ValueError(f'mask_selection must be one of '
                             f'{MASK_SELECTIONS}, got {mask_selection!r}.')
        if points_per_side < 1 or points_per_batch < 1:
            raise ValueError(
                'points_per_side and points_per_batch must be >= 1, got '
                f'{points_per_side} and {points_per_batch}.')
        self.sam = sam
        self.predictor = SamPredictor(sam)
        self.points_per_side = points_per_side
        self.points_per_batch = points_per_batch
        self.mask_selection = mask_selection

    @property
    def num_points(self) -> int:
        """d, the number of prompts (and masks) per image."""
        return self.points_per_side**2

    @property
    def embed_dim(self) -> int:
        """Length of a flattened token vector (1024 for the real SAMs)."""
        decoder = self.sam.mask_decoder
        return decoder.num_mask_tokens * decoder.transformer_dim

    def settings(self) -> Dict[str, Any]:
        """What the embeddings and masks depend on (JSON-ready)."""
        return dict(
            points_per_side=self.points_per_side,
            mask_selection=self.mask_selection,
            embed_dim=self.embed_dim)

    @torch.inference_mode()
    def embed(self,
              image: np.ndarray,
              return_masks: bool = True) -> MaskEmbeddings:
        """Mask tokens (and masks) of an ``(H, W, 3)`` uint8 RGB image.

        Args:
            image (np.ndarray): RGB uint8 image.
            return_masks (bool): Also upsample the chosen masks to the image
                size (not needed to train the classifier). Defaults to True.
        """
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError('Expected an (H, W, 3) uint8 RGB image, got '
                             f'{image.dtype} {image.shape}.')
        height, width = image.shape[:2]
        self.predictor.set_image(image)
        points = uniform_point_grid(self.points_per_side, height, width)
        tokens, masks, ious = [], [], []
        for start in range(0, len(points), self.points_per_batch):
            batch = points[start:start + self.points_per_batch]
            out = self._decode(batch, (height, width), return_masks)
            tokens.append(out[0])
            if return_masks:
                masks.append(out[1])
                ious.append(out[2])
        self.predictor.reset_image()
        return MaskEmbeddings(
            tokens=torch.cat(tokens).float().cpu(),
            points=points,
            masks=torch.cat(masks).cpu() if return_masks else None,
            predicted_iou=torch.cat(ious).float().cpu()
            if return_masks else None)

    def _decode(self, points: np.ndarray, image_size: tuple,
                return_masks: bool) -> tuple:
        """One batch of single-point prompts, as ``SamPredictor`` does it."""
        predictor, model = self.predictor, self.sam
        coords = predictor.transform.apply_coords(points, image_size)
        coords = torch.as_tensor(
            coords, dtype=torch.float, device=predictor.device)[:, None, :]
        labels = torch.ones(
            coords.shape[:2], dtype=torch.int, device=predictor.device)
        sparse, dense = model.prompt_encoder(
            points=(coords, labels), boxes=None, masks=None)
        with capture_mask_tokens(model.mask_decoder) as captured:
            low_res, iou_pred = model.mask_decoder(
                image_embeddings=predictor.features,
                image_pe=model.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse,
                dense_prompt_embeddings=dense,
                multimask_output=self.mask_selection == 'best')
        assert len(captured) == 1, \
            f'expected one decoder transformer call, got {len(captured)}'
        tokens = captured[0].flatten(1)
        if not return_masks:
            return tokens, None, None
        # Choosing before upsampling is exact: the upsampling works channel
        # by channel, and it saves two thirds of the work.
        best = iou_pred.argmax(dim=1)
        rows = torch.arange(len(best), device=best.device)
        chosen = low_res[rows, best][:, None]
        masks = model.postprocess_masks(chosen, predictor.input_size,
                                        predictor.original_size)
        return tokens, (masks[:, 0] > model.mask_threshold), \
            iou_pred[rows, best]
