"""Pretrain the toy model's backbone on the source world.

The backbone of the toy configs (built from their model config, so the
architecture has one home) learns to segment the source world's 12 shape
classes (:mod:`.source_world`) through a throw-away 1x1-conv head on its
last stage. Only the backbone is saved, under the ``backbone.`` prefix that
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``
reads, so the toy configs start from it as the real configs start from
ImageNet weights, with a random decode head.

Why segmentation and not ImageNet-style classification: with image-level
labels, this 0.7 M-parameter backbone memorised the 4,000 source images
without learning shapes (configs/toy/README.md has the measurement), while
per-pixel labels teach it in minutes on a CPU.

A plain PyTorch loop, deterministic for a seed on one machine and thread
count: the data order and crops of epoch e come from
``default_rng([seed, e])`` and the initial weights from
``torch.manual_seed(seed)``. After every epoch the full state goes to
``<work_dir>/state.pth``; the same command started again continues from
there and ends with the same weights as an uninterrupted run.
"""
import copy
import json
import logging
import math
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmseg_zsl.utils.files import atomic_write
from .source_world import SOURCE_SHAPE_NAMES, make_source_images

#: The model config whose backbone is pretrained (the toy configs' model),
#: relative to the repository root.
TOY_MODEL_CONFIG = 'configs/_base_/models/unimatch_zs_deeplabv3plus_toy.py'
_REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STATE_FILE = 'state.pth'


class SourceSegmenter(nn.Module):
    """A backbone and a 1x1 conv on its last stage, upsampled bilinearly.

    Args:
        backbone (nn.Module): An mmseg backbone returning a tuple of stages.
        channels (int): Channels of the last stage.
        num_classes (int): Classes, background included.
    """

    def __init__(self, backbone: nn.Module, channels: int,
                 num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Conv2d(channels, num_classes, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.backbone(images)[-1])
        return F.interpolate(
            logits, images.shape[-2:], mode='bilinear', align_corners=False)


def build_segmenter(model_config: str = TOY_MODEL_CONFIG,
                    num_classes: int = len(SOURCE_SHAPE_NAMES) + 1
                    ) -> Tuple[SourceSegmenter, Dict]:
    """The model config's backbone (random weights) with a 1x1-conv head.

    Args:
        model_config (str): An mmseg config with ``model.segmentor.backbone``
            and ``model.segmentor.data_preprocessor``; a relative path is
            looked up from the working directory, then from the repository
            root.
        num_classes (int): Classes, background included. Defaults to 13.

    Returns:
        tuple[SourceSegmenter, dict]: The model and the ``mean`` / ``std``
        of the config's data preprocessor, which the images are normalised
        with (RGB order, as the preprocessor feeds the backbone).
    """
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    if not osp.isabs(model_config) and not osp.exists(model_config):
        model_config = osp.join(_REPO_ROOT, model_config)
    segmentor = Config.fromfile(model_config).model.segmentor
    cfg = copy.deepcopy(segmentor.backbone)
    # BN on one process (SyncBN needs a process group); no weights to load.
    cfg.update(norm_cfg=dict(type='BN', requires_grad=True), init_cfg=None)
    backbone = MODELS.build(cfg)
    # mmseg's initialisation (Kaiming, zero-initialised residual BN), without
    # the per-parameter report mmengine logs at INFO.
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        backbone.init_weights()
    finally:
        logger.setLevel(level)
    channels = backbone.feat_dim
    preprocessor = segmentor.data_preprocessor
    norm = dict(mean=list(preprocessor.mean), std=list(preprocessor.std))
    return SourceSegmenter(backbone, channels, num_classes), norm


def random_crops(images: np.ndarray, masks: np.ndarray, crop: int,
                 rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """A random ``crop`` x ``crop`` window of each image and its mask, both
    flipped left-right with probability 0.5."""
    num, height, width = masks.shape
    tops = rng.integers(0, height - crop + 1, num)
    lefts = rng.integers(0, width - crop + 1, num)
    flips = rng.uniform(size=num) < 0.5
    out_images = np.empty((num, crop, crop, 3), np.uint8)
    out_masks = np.empty((num, crop, crop), np.uint8)
    for i in range(num):
        window = (slice(tops[i], tops[i] + crop),
                  slice(lefts[i], lefts[i] + crop))
        step = -1 if flips[i] else 1
        out_images[i] = images[i][window][:, ::step]
        out_masks[i] = masks[i][window][:, ::step]
    return out_images, out_masks


def to_tensor(images: np.ndarray, norm: Dict) -> torch.Tensor:
    """RGB uint8 (N, H, W, 3) to a normalised float (N, 3, H, W) tensor."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    mean = torch.tensor(norm['mean']).view(1, 3, 1, 1)
    std = torch.tensor(norm['std']).view(1, 3, 1, 1)
    return (x.float() - mean) / std


def confusion_matrix(pred: np.ndarray, gt: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """``matrix[g, p]`` counts pixels of class g predicted as p."""
    index = gt.astype(np.int64).ravel() * num_classes + pred.ravel()
    return np.bincount(index, minlength=num_classes**2).reshape(
        num_classes, num_classes)


def miou(matrix: np.ndarray) -> float:
    """Mean IoU (%) over the classes that occur in the ground truth or the
    prediction, as mmseg's ``IoUMetric`` (NaN classes skipped)."""
    inter = np.diag(matrix).astype(np.float64)
    union = matrix.sum(0) + matrix.sum(1) - inter
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = inter / union
    return 100 * float(np.nanmean(iou))


def evaluate(model: SourceSegmenter, images: np.ndarray, masks: np.ndarray,
             norm: Dict, batch_size: int = 100) -> float:
    """mIoU (%) of the model on whole images."""
    model.eval()
    classes = model.head.out_channels
    matrix = np.zeros((classes, classes), np.int64)
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            logits = model(to_tensor(images[start:start + batch_size], norm))
            matrix += confusion_matrix(logits.argmax(1).numpy(),
                                       masks[start:start + batch_size],
                                       classes)
    model.train()
    return round(miou(matrix), 2)


def _cosine_lr(base_lr: float, step: int, total: int, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to 0."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base_lr * (1 + math.cos(math.pi * progress))


def _save_atomically(obj, path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_write(path, lambda file: torch.save(obj, file))


def _differences(old: Dict, new: Dict) -> str:
    return ', '.join(f'{k}: {old.get(k)!r} there, {new.get(k)!r} now'
                     for k in sorted(set(old) | set(new))
                     if old.get(k) != new.get(k))


def pretrain_backbone(out_file: str,
                      work_dir: str,
                      epochs: int = 60,
                      num_train: int = 4000,
                      num_val: int = 500,
                      batch_size: int = 64,
                      lr: float = 2e-3,
                      weight_decay: float = 0.01,
                      crop: int = 80,
                      seed: int = 1,
                      model_config: str = TOY_MODEL_CONFIG,
                      log: Callable[[str], None] = print,
                      progress: Optional[Callable] = None) -> Dict:
    """Train, score and save the backbone; resumes from ``work_dir``.

    Args:
        out_file (str): The backbone checkpoint to write: ``state_dict``
            (``backbone.*`` tensors) and ``meta`` (settings, scores).
        work_dir (str): Holds ``state.pth`` (resume) and ``log.json``.
        epochs (int): Passes over the source training images.
        num_train (int): Source training images.
        num_val (int): Held-out source images, scored after each epoch.
        batch_size (int): Crops per step.
        lr (float): Peak learning rate of AdamW (one epoch of linear
            warm-up, then cosine decay).
        weight_decay (float): AdamW weight decay.
        crop (int): Side of the random training crops, 16..96.
        seed (int): Seed of the source world, the weights and the order.
        model_config (str): Config whose backbone is trained.
        log (callable): Receives one line per epoch.
        progress (callable, optional): Wraps each epoch's step iterator
            (a progress bar such as ``tqdm``).

    Returns:
        dict: The checkpoint's ``meta``.
    """
    settings = dict(
        epochs=epochs,
        num_train=num_train,
        num_val=num_val,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        crop=crop,
        seed=seed,
        model_config=model_config)
    if not 16 <= crop <= 96:
        raise ValueError(f'crop must be in [16, 96] (the source images are '
                         f'96 x 96), got {crop}.')
    if not 0 < batch_size <= num_train:
        raise ValueError(f'batch_size must be in [1, num_train={num_train}]'
                         f', got {batch_size}.')
    torch.manual_seed(seed)
    model, norm = build_segmenter(model_config)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=lr, weight_decay=weight_decay)
    state_path = osp.join(work_dir, STATE_FILE)
    history: List[Dict] = []
    start_epoch, seconds = 0, 0.0
    if osp.isfile(state_path):
        state = torch.load(state_path, map_location='cpu', weights_only=True)
        if state['settings'] != settings:
            raise ValueError(
                f'{state_path} was written with other settings '
                f'({_differences(state["settings"], settings)}); use another '
                '--work-dir, or delete it to start over.')
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        start_epoch, history = state['epoch'], state['history']
        seconds = state['seconds']
        log(f'resuming from {state_path} after epoch {start_epoch}')

    train_images, train_masks = make_source_images(num_train, 'train', seed)
    val_images, val_masks = make_source_images(num_val, 'val', seed)
    steps_per_epoch = num_train // batch_size
    total = steps_per_epoch * epochs
    model.train()
    for epoch in range(start_epoch, epochs):
        began = time.perf_counter()
        rng = np.random.default_rng([seed, epoch])
        order = rng.permutation(num_train)
        losses = []
        steps = range(steps_per_epoch)
        for step in (progress(steps) if progress else steps):
            index = order[step * batch_size:(step + 1) * batch_size]
            images, masks = random_crops(train_images[index],
                                         train_masks[index], crop, rng)
            for group in optimizer.param_groups:
                group['lr'] = _cosine_lr(lr, epoch * steps_per_epoch + step,
                                         total, steps_per_epoch)
            loss = F.cross_entropy(
                model(to_tensor(images, norm)),
                torch.from_numpy(masks).long())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        score = evaluate(model, val_images, val_masks, norm)
        seconds += time.perf_counter() - began
        history.append(
            dict(epoch=epoch + 1, loss=round(float(np.mean(losses)), 5),
                 val_miou=score))
        _save_atomically(
            dict(settings=settings, model=model.state_dict(),
                 optimizer=optimizer.state_dict(), epoch=epoch + 1,
                 history=history, seconds=seconds), state_path)
        log(f'epoch {epoch + 1}/{epochs}: loss {history[-1]["loss"]:.4f}, '
            f'source val mIoU {score:.2f} ({seconds:.0f} s)')

    meta = dict(
        settings,
        source_classes=['background'] + list(SOURCE_SHAPE_NAMES),
        source_val_miou=evaluate(model, val_images, val_masks, norm),
        torch=str(torch.__version__),
        threads=torch.get_num_threads(),
        seconds=round(seconds, 1))
    backbone = {
        f'backbone.{k}': v
        for k, v in model.backbone.state_dict().items()
    }
    _save_atomically(dict(meta=meta, state_dict=backbone), out_file)
    with open(osp.join(work_dir, 'log.json'), 'w') as f:
        json.dump(dict(meta=meta, history=history), f, indent=1)
    return meta
