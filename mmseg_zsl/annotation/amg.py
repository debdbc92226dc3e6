"""SAM's automatic mask generation, with the masks kept on the device.

:class:`MaskGenerationLoop` runs the loop of segment_anything's
``SamAutomaticMaskGenerator`` with SAM's own modules and helper functions,
the same point batches in the same order and the same filters, NMS and
small-region post-processing, so its outputs are byte-identical to the
stock generator's (RLE bytes, predicted IoU, stability score, boxes, point
coordinates, order; ``tests/test_annotation/test_amg.py`` checks it). What
differs is where the work happens:

- the points and the masks stay on the device through the filters and the
  NMS (the stock loop copies a keep-mask to the host at every filter, since
  its points are a CPU tensor);
- only the masks that survive the NMS are run-length encoded, all at once
  (:func:`masks_to_rle_counts`: one ``nonzero`` and one host copy per
  chunk), where the stock loop encodes every mask that passes the quality
  filters with several host syncs each, before the NMS drops most of them;
- the kept masks are returned as a device tensor, so pooling and painting
  need no decode and re-upload.

Device memory is bounded: the masks that pass the quality filters wait for
the NMS as booleans, at most ``3 x points x H x W`` bytes; above
``mask_memory_cap`` bytes (1 GiB, i.e. images over ~350k pixels at 32 x 32
points) each batch's survivors are encoded at once as the stock loop does,
and the kept masks are decoded from their RLEs.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

#: Bytes the quality-filtered masks of one crop may take while they wait
#: for the NMS (booleans on the device); above it, each batch's survivors
#: are run-length encoded at once.
MASK_MEMORY_CAP = 2**30
#: Mask pixels run-length encoded per chunk (bounds the temporary memory).
RLE_CHUNK_ELEMENTS = 2**28


def masks_to_rle_counts(masks: Tensor,
                        chunk_elements: int = RLE_CHUNK_ELEMENTS
                        ) -> List[List[int]]:
    """Uncompressed COCO RLE counts of ``(K, H, W)`` boolean masks.

    The same counts as segment_anything's ``mask_to_rle_pytorch`` (column-
    major runs, starting with the run of zeros, which is 0 when the first
    pixel is set), computed for all masks at once: one ``nonzero`` of the
    changes and one host copy per chunk of masks.
    """
    num, height, width = masks.shape
    if num == 0:
        return []
    size = height * width
    out: List[List[int]] = []
    chunk = max(1, chunk_elements // max(1, size))
    for start in range(0, num, chunk):
        flat = masks[start:start + chunk].permute(0, 2, 1).reshape(-1, size)
        change = (flat[:, 1:] ^ flat[:, :-1]).nonzero().cpu().numpy()
        first = flat[:, 0].cpu().numpy()
        # rows of ``nonzero`` come sorted, so each mask's changes are a run
        bounds = np.searchsorted(change[:, 0], np.arange(len(flat) + 1))
        for i in range(len(flat)):
            ends = np.concatenate([
                [0], change[bounds[i]:bounds[i + 1], 1] + 1, [size]
            ])
            runs = np.diff(ends).tolist()
            out.append(runs if not first[i] else [0] + runs)
    return out


def compress_rles(counts: Sequence[List[int]], height: int,
                  width: int) -> List[bytes]:
    """COCO's compressed RLE strings of uncompressed counts (pycocotools,
    as segment_anything's ``coco_encode_rle``)."""
    from pycocotools import mask as mask_utils
    if not counts:
        return []
    encoded = mask_utils.frPyObjects(
        [{'size': [height, width], 'counts': c} for c in counts], height,
        width)
    return [rle['counts'] for rle in encoded]


@dataclass
class GeneratedMasks:
    """The masks of one image, in the stock generator's order.

    Attributes:
        rles (list[bytes]): COCO compressed RLE counts (image size).
        predicted_iou (np.ndarray): ``(K,)`` float32.
        stability_score (np.ndarray): ``(K,)`` float32.
        boxes (np.ndarray): ``(K, 4)`` int64 ``x0, y0, x1, y1`` (inclusive).
        point_coords (np.ndarray): ``(K, 2)`` float64 prompt points.
        crop_boxes (np.ndarray): ``(K, 4)`` int64 crop of each mask.
        masks (Tensor): ``(K, H, W)`` bool masks on the model's device.
    """
    rles: List[bytes]
    predicted_iou: np.ndarray
    stability_score: np.ndarray
    boxes: np.ndarray
    point_coords: np.ndarray
    crop_boxes: np.ndarray
    masks: Tensor


class MaskGenerationLoop:
    """SAM automatic mask generation (see the module docstring).

    Args:
        sam (nn.Module): A segment_anything ``Sam``.
        params (dict): Every ``SamAutomaticMaskGenerator`` parameter but
            ``model`` and ``output_mode`` (see
            :func:`~mmseg_zsl.annotation.sam.sam_generator_defaults`).
        mask_memory_cap (int): See :data:`MASK_MEMORY_CAP`.
    """

    def __init__(self,
                 sam: torch.nn.Module,
                 params: Dict[str, Any],
                 mask_memory_cap: int = MASK_MEMORY_CAP) -> None:
        from segment_anything import SamPredictor
        from segment_anything.utils.amg import build_all_layer_point_grids
        self.predictor = SamPredictor(sam)
        self.params = dict(params)
        self.mask_memory_cap = mask_memory_cap
        if (params['points_per_side'] is None) == (params['point_grids'] is
                                                   None):
            raise ValueError('Exactly one of points_per_side or point_grids '
                             'must be given.')
        if params['points_per_side'] is not None:
            self.point_grids = build_all_layer_point_grids(
                params['points_per_side'], params['crop_n_layers'],
                params['crop_n_points_downscale_factor'])
        else:
            self.point_grids = params['point_grids']

    @property
    def device(self) -> torch.device:
        return self.predictor.device

    @torch.inference_mode()
    def generate(self, image: np.ndarray) -> GeneratedMasks:
        """Masks of an ``(H, W, 3)`` uint8 RGB image."""
        from segment_anything.utils.amg import generate_crop_boxes
        from torchvision.ops.boxes import batched_nms, box_area
        height, width = image.shape[:2]
        crop_boxes, layer_idxs = generate_crop_boxes(
            (height, width), self.params['crop_n_layers'],
            self.params['crop_overlap_ratio'])
        most_points = max(len(grid) for grid in self.point_grids)
        keep_masks = 3 * most_points * height * width <= self.mask_memory_cap
        crops = [
            self._process_crop(image, box, layer, (height, width),
                               keep_masks)
            for box, layer in zip(crop_boxes, layer_idxs)
        ]
        data = {k: _cat([c[k] for c in crops]) for k in crops[0]}
        if len(crop_boxes) > 1:  # duplicates between crops: smaller wins
            scores = (1 / box_area(data['crop_boxes'])).to(self.device)
            keep = batched_nms(
                data['boxes'].float(), scores,
                torch.zeros(len(scores), device=self.device),
                self.params['crop_nms_thresh'])
            data = {k: _take(v, keep) for k, v in data.items()}
        counts = masks_to_rle_counts(data['masks']) \
            if keep_masks else data['rle_counts']
        return self._finish(data, counts, height, width)

    def _process_crop(self, image: np.ndarray, crop_box: List[int],
                      layer: int, orig_size: Tuple[int, int],
                      keep_masks: bool) -> Dict[str, Any]:
        """The masks of one crop after the quality filters and its NMS,
        in the full image's frame (masks uncropped)."""
        from segment_anything.utils.amg import (uncrop_boxes_xyxy,
                                                uncrop_masks, uncrop_points)
        from torchvision.ops.boxes import batched_nms
        x0, y0, x1, y1 = crop_box
        cropped = image[y0:y1, x0:x1, :]
        crop_size = cropped.shape[:2]
        self.predictor.set_image(cropped)
        points = self.point_grids[layer] * np.array(crop_size)[None, ::-1]
        batch = self.params['points_per_batch']
        parts = [
            self._process_batch(points[i:i + batch], crop_size, crop_box,
                                orig_size, keep_masks)
            for i in range(0, len(points), batch)
        ]
        self.predictor.reset_image()
        data = {k: _cat([p[k] for p in parts]) for k in parts[0]}
        keep = batched_nms(data['boxes'].float(), data['iou_preds'],
                           torch.zeros(len(data['boxes']),
                                       device=self.device),
                           self.params['box_nms_thresh'])
        data = {k: _take(v, keep) for k, v in data.items()}
        data['boxes'] = uncrop_boxes_xyxy(data['boxes'], crop_box)
        data['points'] = uncrop_points(data['points'], crop_box)
        if keep_masks:
            data['masks'] = uncrop_masks(data['masks'], crop_box,
                                         *orig_size)
        data['crop_boxes'] = torch.tensor(
            [crop_box] * len(keep), dtype=torch.int64).reshape(-1, 4)
        return data

    def _process_batch(self, points: np.ndarray, crop_size: Tuple[int, int],
                       crop_box: List[int], orig_size: Tuple[int, int],
                       keep_masks: bool) -> Dict[str, Any]:
        """One batch of point prompts through SAM's decoder and filters."""
        from segment_anything.utils.amg import (batched_mask_to_box,
                                                calculate_stability_score,
                                                is_box_near_crop_edge,
                                                uncrop_masks)
        params = self.params
        device = self.device
        coords = torch.as_tensor(
            self.predictor.transform.apply_coords(points, crop_size),
            device=device)
        labels = torch.ones(len(coords), dtype=torch.int, device=device)
        logits, iou_preds, _ = self.predictor.predict_torch(
            coords[:, None, :],
            labels[:, None],
            multimask_output=True,
            return_logits=True)
        logits, iou_preds = logits.flatten(0, 1), iou_preds.flatten(0, 1)
        prompts = torch.as_tensor(
            points.repeat(3, axis=0), device=device)  # 3 masks per point
        if params['pred_iou_thresh'] > 0.0:
            keep = iou_preds > params['pred_iou_thresh']
            logits, iou_preds, prompts = (logits[keep], iou_preds[keep],
                                          prompts[keep])
        threshold = self.predictor.model.mask_threshold
        stability = calculate_stability_score(
            logits, threshold, params['stability_score_offset'])
        if params['stability_score_thresh'] > 0.0:
            keep = stability >= params['stability_score_thresh']
            logits, iou_preds, prompts, stability = (logits[keep],
                                                     iou_preds[keep],
                                                     prompts[keep],
                                                     stability[keep])
        masks = logits > threshold
        boxes = batched_mask_to_box(masks)
        keep = ~is_box_near_crop_edge(boxes, crop_box,
                                      [0, 0, orig_size[1], orig_size[0]])
        data = dict(
            iou_preds=iou_preds[keep],
            points=prompts[keep],
            stability_score=stability[keep],
            boxes=boxes[keep])
        if keep_masks:  # in the crop's frame until the NMS
            data['masks'] = masks[keep]
        else:  # the stock loop's way: encode now, keep only the counts
            data['rle_counts'] = masks_to_rle_counts(
                uncrop_masks(masks[keep], crop_box, *orig_size))
        return data

    def _finish(self, data: Dict[str, Any], counts: List[List[int]],
                height: int, width: int) -> GeneratedMasks:
        """Small-region clean-up (optional) and the COCO RLE strings."""
        boxes = data['boxes'].cpu().numpy()
        iou_preds = data['iou_preds'].cpu().numpy()
        stability = data['stability_score'].cpu().numpy()
        points = data['points'].cpu().numpy()
        crop_boxes = data['crop_boxes'].cpu().numpy()
        masks = data.get('masks')
        min_area = self.params['min_mask_region_area']
        if min_area > 0 and len(counts):
            from segment_anything import SamAutomaticMaskGenerator
            from segment_anything.utils.amg import MaskData
            cleaned = SamAutomaticMaskGenerator.postprocess_small_regions(
                MaskData(
                    rles=[{'size': [height, width], 'counts': c}
                          for c in counts],
                    boxes=boxes,
                    iou_preds=iou_preds,
                    points=points,
                    stability_score=stability,
                    crop_boxes=crop_boxes), min_area,
                max(self.params['box_nms_thresh'],
                    self.params['crop_nms_thresh']))
            counts = [r['counts'] for r in cleaned['rles']]
            boxes, iou_preds = cleaned['boxes'], cleaned['iou_preds']
            points, stability = cleaned['points'], cleaned['stability_score']
            crop_boxes = cleaned['crop_boxes']
            masks = None  # cleaned masks: decoded from their RLEs below
        rles = compress_rles(counts, height, width)
        if masks is None:
            from .cache import ImageRecord
            masks = torch.from_numpy(
                ImageRecord((height, width), rles).decode_masks()).to(
                    self.device)
        return GeneratedMasks(rles, iou_preds.astype(np.float32),
                              stability.astype(np.float32),
                              np.asarray(boxes), np.asarray(points),
                              np.asarray(crop_boxes), masks)


def _cat(values: List[Any]) -> Any:
    if isinstance(values[0], Tensor):
        return torch.cat(values)
    return [item for value in values for item in value]


def _take(value: Any, index: Tensor) -> Any:
    if isinstance(value, Tensor):
        return value[index]
    return [value[i] for i in index.tolist()]
