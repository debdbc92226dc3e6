"""SAM automatic mask generation (segment_anything) behind one small class.

SAM's generator defaults live in exactly one place:
``SamAutomaticMaskGenerator.__init__``'s signature. We pass only the
parameters a user set and read the effective values back from that signature
(:func:`sam_generator_defaults`) for the manifest.
"""
import inspect
import math
import os.path as osp
from dataclasses import dataclass
from functools import partial
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from torch import nn

#: Where to download the official SAM checkpoints.
SAM_CHECKPOINT_URLS = {
    'vit_h': 'https://dl.fbaipublicfiles.com/segment_anything/'
    'sam_vit_h_4b8939.pth',
    'vit_l': 'https://dl.fbaipublicfiles.com/segment_anything/'
    'sam_vit_l_0b3195.pth',
    'vit_b': 'https://dl.fbaipublicfiles.com/segment_anything/'
    'sam_vit_b_01ec64.pth',
}
SAM_MODEL_TYPES = tuple(SAM_CHECKPOINT_URLS)
DEFAULT_SAM_MODEL_TYPE = 'vit_h'
#: UNTRAINED random models of ``random_init`` runs (smoke tests, demos,
#: benchmarks): 'tiny' (small, real SAM classes) or 'full' (the official
#: architecture), seeded so that every rank builds the same weights.
RANDOM_INIT_CHOICES = ('tiny', 'full')
RANDOM_INIT_SEED = 0
#: Parameters of SamAutomaticMaskGenerator that this wrapper fixes itself.
_FIXED_GENERATOR_ARGS = ('self', 'model', 'output_mode')
#: A small SAM for smoke tests and demos (random weights, untrained).
TINY_SAM_CFG = dict(
    img_size=256,
    encoder_embed_dim=64,
    encoder_depth=2,
    encoder_num_heads=2,
    encoder_global_attn_indexes=(1, ),
    window_size=8,
    prompt_embed_dim=32,
    decoder_depth=2,
    decoder_mlp_dim=64,
    decoder_num_heads=2,
    mask_in_chans=8)


def sam_generator_defaults() -> Dict[str, Any]:
    """SamAutomaticMaskGenerator's own defaults (the only place they live)."""
    from segment_anything import SamAutomaticMaskGenerator
    params = inspect.signature(SamAutomaticMaskGenerator.__init__).parameters
    return {
        name: param.default
        for name, param in params.items() if name not in _FIXED_GENERATOR_ARGS
    }


#: Ranges of SamAutomaticMaskGenerator's number parameters: (low, high,
#: integer); SAM divides by or loops over them, so a value outside fails
#: deep inside segment_anything.
_GENERATOR_RANGES = dict(
    points_per_side=(1, None, True),
    points_per_batch=(1, None, True),
    pred_iou_thresh=(0.0, 1.0, False),
    stability_score_thresh=(0.0, 1.0, False),
    stability_score_offset=(0.0, None, False),
    box_nms_thresh=(0.0, 1.0, False),
    crop_n_layers=(0, None, True),
    crop_nms_thresh=(0.0, 1.0, False),
    crop_overlap_ratio=(0.0, 1.0, False),
    crop_n_points_downscale_factor=(1, None, True),
    min_mask_region_area=(0, None, False))


def check_generator_params(params: Dict[str, Any]) -> None:
    """Raise on a generator parameter out of its range, naming its flag."""
    for name, (low, high, integer) in _GENERATOR_RANGES.items():
        value = params.get(name)
        if value is None and name == 'points_per_side':
            continue  # explicit point_grids instead
        kind = 'an integer' if integer else 'a number'
        valid = (isinstance(value, int) if integer else isinstance(
            value, (int, float))) and not isinstance(value, bool) \
            and math.isfinite(value) and value >= low and (
                high is None or value <= high)
        if not valid:
            bounds = f'>= {low}' if high is None else f'in [{low}, {high}]'
            raise ValueError(
                f'SAM generator parameter {name} (--'
                f'{name.replace("_", "-")}) must be {kind} {bounds}, got '
                f'{value!r}.')
    no_grid = params.get('point_grids') is None
    if (params.get('points_per_side') is None) == no_grid:
        raise ValueError('Give exactly one of points_per_side and '
                         'point_grids.')


def build_sam(model_type: str,
              checkpoint: str,
              device: Union[str, torch.device] = 'cpu') -> nn.Module:
    """The official SAM ``model_type`` with weights from ``checkpoint``.

    Raises:
        ValueError: Unknown model type.
        FileNotFoundError: The checkpoint file is missing (the message says
            where to download it).
    """
    from segment_anything import sam_model_registry
    if model_type not in SAM_MODEL_TYPES:
        raise ValueError(f'SAM model type must be one of {SAM_MODEL_TYPES}, '
                         f'got {model_type!r}.')
    if not checkpoint or not osp.isfile(checkpoint):
        what = (f'SAM checkpoint {checkpoint!r} does not exist'
                if checkpoint else 'No SAM checkpoint was given')
        raise FileNotFoundError(
            f'{what} ({model_type}). Download it from '
            f'{SAM_CHECKPOINT_URLS[model_type]} and pass its path '
            '(--sam-checkpoint), or use --random-init for an untrained '
            'smoke test.')
    sam = sam_model_registry[model_type](checkpoint=None)
    state_dict = torch.load(checkpoint, map_location='cpu', weights_only=True)
    sam.load_state_dict(state_dict)
    return sam.to(device).eval()


def untrained_note(random_init: str) -> str:
    """The manifest note of a model with random weights."""
    return (f'UNTRAINED random weights (random_init={random_init!r}, seed '
            f'{RANDOM_INIT_SEED})')


def build_run_sam(model_type: Optional[str] = None,
                  checkpoint: Optional[str] = None,
                  random_init: Optional[str] = None,
                  device: Union[str, torch.device] = 'cpu',
                  precision: Optional[str] = None,
                  compile: Optional[bool] = None
                  ) -> Tuple[nn.Module, Dict[str, Any]]:
    """The SAM of an annotation run and its manifest record.

    Args:
        model_type (str, optional): 'vit_h' (default), 'vit_l' or 'vit_b'.
        checkpoint (str, optional): SAM weights (required unless
            ``random_init``).
        random_init (str, optional): One of :data:`RANDOM_INIT_CHOICES`:
            an UNTRAINED SAM instead of ``checkpoint``.
        device (str | torch.device): Device.
        precision (str, optional): 'exact' (default: as segment_anything)
            or 'fast' (:mod:`.fast_sam`).
        compile (bool, optional): ``torch.compile`` the fast tier's image
            encoder.

    Returns:
        tuple[nn.Module, dict]: SAM in eval mode and ``{'model_type',
        'checkpoint'[, 'note'][, 'precision', 'compile']}``.
    """
    from .fast_sam import precision_record, use_fast_image_encoder
    model_type = model_type or DEFAULT_SAM_MODEL_TYPE
    tier = precision_record(precision or 'exact', bool(compile))
    if random_init is None:
        sam = build_sam(model_type, checkpoint, device)
        record = dict(model_type=model_type, checkpoint=checkpoint)
    elif random_init in RANDOM_INIT_CHOICES:
        sam = build_random_sam(random_init, model_type, RANDOM_INIT_SEED,
                               device)
        record = dict(
            model_type='tiny' if random_init == 'tiny' else model_type,
            checkpoint=None,
            note=untrained_note(random_init))
    else:
        raise ValueError(f'random_init must be one of {RANDOM_INIT_CHOICES}'
                         f', got {random_init!r}.')
    if tier:
        use_fast_image_encoder(sam, tier['compile'])
    return sam, dict(record, **tier)


def build_random_sam(arch: str = 'tiny',
                     model_type: str = 'vit_b',
                     seed: int = 0,
                     device: Union[str, torch.device] = 'cpu') -> nn.Module:
    """An UNTRAINED SAM (smoke tests, demos, benchmarks); seeded.

    Args:
        arch (str): 'tiny' (:data:`TINY_SAM_CFG`, real SAM classes) or
            'full' (the official ``model_type`` with random weights).
        model_type (str): SAM model type for 'full'.
        seed (int): The weights depend only on it.
        device (str | torch.device): Device.
    """
    from segment_anything import sam_model_registry
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if arch == 'tiny':
            sam = build_tiny_sam(**TINY_SAM_CFG)
        elif arch == 'full':
            if model_type not in SAM_MODEL_TYPES:
                raise ValueError('SAM model type must be one of '
                                 f'{SAM_MODEL_TYPES}, got {model_type!r}.')
            sam = sam_model_registry[model_type](checkpoint=None)
        else:
            raise ValueError(f"random-init arch must be 'tiny' or 'full', "
                             f'got {arch!r}.')
    return sam.to(device).eval()


def build_tiny_sam(img_size: int, encoder_embed_dim: int, encoder_depth: int,
                   encoder_num_heads: int, encoder_global_attn_indexes,
                   window_size: int, prompt_embed_dim: int,
                   decoder_depth: int, decoder_mlp_dim: int,
                   decoder_num_heads: int, mask_in_chans: int) -> nn.Module:
    """SAM from segment_anything's own classes with small sizes."""
    from segment_anything.modeling import (ImageEncoderViT, MaskDecoder,
                                           PromptEncoder, Sam,
                                           TwoWayTransformer)
    patch_size = 16
    embedding_size = img_size // patch_size
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=img_size,
            patch_size=patch_size,
            embed_dim=encoder_embed_dim,
            depth=encoder_depth,
            num_heads=encoder_num_heads,
            mlp_ratio=4,
            out_chans=prompt_embed_dim,
            qkv_bias=True,
            norm_layer=partial(nn.LayerNorm, eps=1e-6),
            use_rel_pos=True,
            global_attn_indexes=tuple(encoder_global_attn_indexes),
            window_size=window_size),
        prompt_encoder=PromptEncoder(
            embed_dim=prompt_embed_dim,
            image_embedding_size=(embedding_size, embedding_size),
            input_image_size=(img_size, img_size),
            mask_in_chans=mask_in_chans),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(
                depth=decoder_depth,
                embedding_dim=prompt_embed_dim,
                mlp_dim=decoder_mlp_dim,
                num_heads=decoder_num_heads),
            transformer_dim=prompt_embed_dim,
            iou_head_depth=3,
            iou_head_hidden_dim=prompt_embed_dim),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375]).eval()


@dataclass
class SamMasks:
    """Masks of one image, in SAM's output order.

    Attributes:
        rles (list[bytes]): COCO RLE counts of each mask (size = image size).
        predicted_iou (np.ndarray): ``(K,)`` float32.
        stability_score (np.ndarray): ``(K,)`` float32.
        masks (Tensor): ``(K, H, W)`` bool masks on SAM's device.
    """
    rles: List[bytes]
    predicted_iou: np.ndarray
    stability_score: np.ndarray
    masks: torch.Tensor


class SamMaskGenerator:
    """SAM's automatic mask generation, returning COCO RLEs, scores and the
    masks on the device.

    Runs :class:`~mmseg_zsl.annotation.amg.MaskGenerationLoop`, whose
    outputs are byte-identical to segment_anything's
    ``SamAutomaticMaskGenerator`` (with ``output_mode='coco_rle'``).

    Args:
        sam (nn.Module): A segment_anything ``Sam``.
        **generator_kwargs: Any parameter of ``SamAutomaticMaskGenerator``
            except ``model`` and ``output_mode``; the ones not given keep
            SAM's defaults.
    """

    def __init__(self, sam: nn.Module, **generator_kwargs: Any) -> None:
        from .amg import MaskGenerationLoop
        defaults = sam_generator_defaults()
        unknown = sorted(set(generator_kwargs) - set(defaults))
        if unknown:
            raise TypeError(
                f'Unknown SAM generator parameters {unknown}; valid ones: '
                f'{sorted(defaults)} (output_mode is fixed to coco_rle).')
        self.sam = sam
        self.params = {**defaults, **generator_kwargs}
        check_generator_params(self.params)
        self._loop = MaskGenerationLoop(sam, self.params)

    def settings(self) -> Dict[str, Any]:
        """Every generator parameter (JSON-ready) for the manifest."""
        params = dict(self.params)
        if params.get('point_grids') is not None:
            params['point_grids'] = [
                np.asarray(g).tolist() for g in params['point_grids']
            ]
        return params

    def generate(self, image: np.ndarray) -> SamMasks:
        """Masks of an ``(H, W, 3)`` uint8 RGB image."""
        out = self._loop.generate(image)
        return SamMasks(out.rles, out.predicted_iou, out.stability_score,
                        out.masks)
