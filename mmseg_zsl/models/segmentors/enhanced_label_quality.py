"""Is the model ready to enhance the zero-shot labels? Measure it.

The enhancement module (the paper's Eq. 7, :func:`.semi_targets.
enhanced_target`) replaces the zero-shot label by the
model's prediction wherever the model is confident. That helps only if those
confident predictions are right more often than the zero-shot labels they
replace. On images that have both a ground truth and a zero-shot label (the
labeled split after ``tools/annotate.py``, or a synthetic world), this module
measures exactly that for a checkpoint, at one or more thresholds tau:
``tools/diagnose_enhanced_labels.py`` is its CLI.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmseg.registry import DATASETS, MODELS
from torch import Tensor
from tqdm import tqdm

from mmseg_zsl.visualization.metrics import (confusion_matrix,
                                             iou_from_confusion, mean_iou)
from .semi_targets import confidence_and_prediction, enhanced_target


class EnhancedLabelQuality:
    """Accumulate model, zero-shot and enhanced labels against ground truth.

    For each threshold tau, the enhanced label is the training target of
    mode ``zsl`` (:func:`enhanced_target`, no padding). Pixels whose ground
    truth is ``ignore_index`` are skipped everywhere.

    Args:
        num_classes (int): Number of classes ``C``.
        conf_threshes (Sequence[float]): The thresholds tau to evaluate.
        ignore_index (int): Ignore value of labels. Defaults to 255.
        to_background_thresh (float, optional): The ``zsl`` variant's
            stricter threshold for turning a zero-shot object pixel into
            background (see :func:`enhanced_target`). Defaults to None.
        background_index (int): The background class. Defaults to 0.
    """

    def __init__(self,
                 num_classes: int,
                 conf_threshes: Sequence[float],
                 ignore_index: int = 255,
                 to_background_thresh: Optional[float] = None,
                 background_index: int = 0) -> None:
        self.num_classes = num_classes
        self.conf_threshes = list(conf_threshes)
        self.ignore_index = ignore_index
        self.to_background_thresh = to_background_thresh
        self.background_index = background_index
        shape = (num_classes, num_classes + 1)
        self.model = np.zeros(shape, np.int64)
        self.zero_shot = np.zeros(shape, np.int64)
        self.enhanced = {t: np.zeros(shape, np.int64) for t in conf_threshes}
        # Per tau: [valid, confident, changed, changed and model right,
        # changed and zero-shot right] pixel counts.
        self.counts = {t: np.zeros(5, np.int64) for t in conf_threshes}

    def update(self, logits: Tensor, zs_label: Tensor, gt: Tensor) -> None:
        """Add one image.

        Args:
            logits (Tensor): Model logits (C, H, W) at the label size.
            zs_label (Tensor): Zero-shot label (H, W), ``ignore_index`` where
                it has no class.
            gt (Tensor): Ground truth (H, W).
        """
        if not (logits.shape[-2:] == zs_label.shape == gt.shape):
            raise ValueError(
                f'logits {tuple(logits.shape)}, zero-shot label '
                f'{tuple(zs_label.shape)} and ground truth {tuple(gt.shape)} '
                'must share one (H, W)')
        conf, pred = confidence_and_prediction(logits[None])
        zs_label, gt = zs_label.long()[None], gt.long()[None]
        gt_np = gt.cpu().numpy()
        valid = gt != self.ignore_index
        self.model += self._confusion(gt_np, pred)
        self.zero_shot += self._confusion(gt_np, zs_label)
        num_valid = valid.sum().item()
        no_padding = torch.zeros_like(valid)
        for tau in self.conf_threshes:
            label, _ = enhanced_target(conf, pred, zs_label, no_padding, tau,
                                       self.ignore_index,
                                       self.to_background_thresh,
                                       self.background_index)
            self.enhanced[tau] += self._confusion(gt_np, label)
            changed = valid & (label != zs_label)
            self.counts[tau] += np.array([
                num_valid,
                (valid & (conf >= tau)).sum().item(),
                changed.sum().item(),
                (changed & (label == gt)).sum().item(),
                (changed & (zs_label == gt)).sum().item(),
            ])

    def _confusion(self, gt: np.ndarray, label: Tensor) -> np.ndarray:
        return confusion_matrix(gt,
                                label.cpu().numpy(), self.num_classes,
                                self.ignore_index)

    def results(self) -> Dict[str, Dict[str, float]]:
        """mIoU (%) and pixel shares (%), one entry per tau.

        Returns:
            dict: ``{'tau=0.7': {...}}`` with ``model_miou``,
            ``zero_shot_miou``, ``enhanced_miou``, ``confident`` (share of
            pixels at or above tau), ``changed`` (share whose enhanced label
            differs from the zero-shot label), and, among changed pixels,
            ``changed_model_right`` and ``changed_zero_shot_right``.
        """

        def share(part: int, whole: int) -> float:
            return 100.0 * part / whole if whole else float('nan')

        model_miou = mean_iou(iou_from_confusion(self.model))
        zero_shot_miou = mean_iou(iou_from_confusion(self.zero_shot))
        results = {}
        for tau in self.conf_threshes:
            valid, confident, changed, model_right, zs_right = self.counts[
                tau]
            results[f'tau={tau:g}'] = dict(
                model_miou=model_miou,
                zero_shot_miou=zero_shot_miou,
                enhanced_miou=mean_iou(iou_from_confusion(
                    self.enhanced[tau])),
                confident=share(confident, valid),
                changed=share(changed, valid),
                changed_model_right=share(model_right, changed),
                changed_zero_shot_right=share(zs_right, changed))
        return results


def _diagnosis_pipeline(cfg: Config, pseudo_label_dir: str) -> List[dict]:
    """Image, ground truth and zero-shot label at full size, no resizing."""
    test_pipeline = cfg.test_dataloader.dataset.get('pipeline', [])
    load_gt = next((dict(t) for t in test_pipeline
                    if t['type'] == 'LoadAnnotations'),
                   dict(type='LoadAnnotations'))
    return [
        dict(type='LoadImageFromFile'),
        dict(type='ZeroShotPseudoLabel',
             pseudo_label_dir=pseudo_label_dir,
             seg_key='gt_zs_seg_map'), load_gt,
        dict(type='PackSemiSegInputs',
             pixel_fields=dict(gt_zs_seg_map='zs_sem_seg'))
    ]


def diagnose_enhanced_labels(cfg: Config,
                             checkpoint: str,
                             pseudo_label_dir: str,
                             conf_threshes: Sequence[float],
                             ann_file: Optional[str] = None,
                             show_progress: bool = True,
                             to_background_thresh: Optional[float] = None,
                             background_index: int = 0) -> Dict:
    """Run a checkpoint on a split and measure its enhanced labels.

    Args:
        cfg (Config): The training config (model and test dataset).
        checkpoint (str): A checkpoint of that config.
        pseudo_label_dir (str): Zero-shot labels ``<stem>.png`` of the
            split's images (``tools/annotate.py``'s ``labels/``).
        conf_threshes (Sequence[float]): The thresholds tau.
        ann_file (str, optional): Split of images that have ground truth,
            instead of the test dataset's. Defaults to None.
        show_progress (bool): Progress bar. Defaults to True.
        to_background_thresh (float, optional): See
            :class:`EnhancedLabelQuality`. Defaults to None.
        background_index (int): The background class. Defaults to 0.

    Returns:
        dict: :meth:`EnhancedLabelQuality.results` plus ``num_images``.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg.pipeline = _diagnosis_pipeline(cfg, pseudo_label_dir)
    if ann_file is not None:
        dataset_cfg.ann_file = ann_file
    dataset = DATASETS.build(dataset_cfg)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    # A semi-supervised wrapper predicts with the model it wraps.
    segmentor = getattr(model, 'segmentor', model)
    quality = EnhancedLabelQuality(
        len(dataset.metainfo['classes']), conf_threshes,
        dataset.ignore_index, to_background_thresh, background_index)
    for index in tqdm(range(len(dataset)), disable=not show_progress,
                      desc='diagnose'):
        data = model.data_preprocessor(pseudo_collate([dataset[index]]), False)
        with torch.no_grad():
            sample = segmentor.predict(data['inputs'],
                                       data['data_samples'])[0]
        quality.update(sample.seg_logits.data, sample.zs_sem_seg.data[0],
                       sample.gt_sem_seg.data[0])
    return dict(num_images=len(dataset), **quality.results())
