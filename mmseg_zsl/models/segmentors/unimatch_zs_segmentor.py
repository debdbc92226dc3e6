"""UniMatch-style semi-supervised training with zero-shot enhanced labels."""
import logging
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmseg.models.segmentors import BaseSegmentor
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from torch import Tensor

from ..losses import LabelSmoothCELoss
from .semi_targets import (Target, confidence_and_prediction, cutmix_images,
                           cutmix_target, enhanced_target, partner_index,
                           plain_target, stack_pixel_field, unimatch_target)
from .semi_train_cfg import REQUIRED_BRANCHES, resolve_semi_train_cfg

MultiInputs = Dict[str, Tensor]
MultiSamples = Dict[str, SampleList]


@MODELS.register_module()
class UniMatchZSSegmentor(BaseSegmentor):
    """Semi-supervised wrapper around any mmseg ``EncoderDecoder``.

    Training follows UniMatch (Yang et al., CVPR 2023) with the targets of
    the paper: (1) ``cat(x_l, x_w)`` goes through the encoder once and the
    decode head runs on the features and on a ``Dropout2d``-perturbed copy of
    every feature level as one doubled batch, giving ``p_l``, ``p_w`` and
    ``p_fp``; (2) ``cat(x_s1, x_s2)``, each CutMixed with a partner unlabeled
    image inside its box, gives ``p_s1`` and ``p_s2``. Targets come from
    ``p_w`` (detached); inside a box the partner's target is used, so no
    third pass is needed. Losses (``semi_train_cfg`` weights)::

        L = sup_weight * L_s + unsup_weight * (fp_weight * L_fp
            + strong_weights[0] * L_s1 + strong_weights[1] * L_s2)

    Modes (``semi_train_cfg.mode``):

    - ``zsl`` (the paper): target = enhanced label (model prediction where
      ``conf >= conf_thresh``, else the zero-shot label), label-smoothed CE.
    - ``unimatch``: target = model prediction, loss masked to confident
      pixels and averaged over all non-padded pixels, plain CE.
    - ``supervised``: labeled loss only; unlabeled branches are not read.
    - ``pseudo``: one pass on ``cat(x_l, x_w)``; CE of ``p_w`` against the
      zero-shot label; no strong views, no perturbation, no enhancement.

    The labeled loss is the wrapped model's own decode-head loss (its
    ``loss_decode``, e.g. CE with ``avg_non_ignore=True``). Auxiliary heads
    are trained on the labeled images only (clean features), as mmseg does
    in supervised training; their losses are weighted by ``sup_weight``.

    Variants beyond the paper (``semi_train_cfg``, off by default):
    ``to_background_thresh`` (zsl: a stricter threshold for turning a
    zero-shot object pixel into background) and ``weak_weight`` (zsl,
    unimatch: the clean weak view ``p_w`` is trained on the target too, as
    ``unsup.loss_weak``) and ``enhance_after`` (zsl: the first N training
    iterations are mode ``pseudo``'s, plain CE; counted in the buffer
    ``train_iter``, which checkpoints keep).

    Every returned key containing ``loss`` is already weighted, so their sum
    is ``L``; other keys (``acc_seg``, ``conf_ratio``, ...) are logged only.
    ``predict``, ``_forward``, ``extract_feat`` and ``encode_decode`` run the
    wrapped model, so validation and ``tools/test.py`` work unchanged. A
    plain mmseg checkpoint of the wrapped model (keys without
    ``segmentor.``) can be loaded too.

    Args:
        segmentor (ConfigType): Config of the wrapped segmentor, e.g. an
            ``EncoderDecoder``.
        semi_train_cfg (OptConfigType): Mode, thresholds, weights, dropout
            rate, ignore index and smoothing; see
            :mod:`mmseg_zsl.models.segmentors.semi_train_cfg` for the keys and
            their defaults per mode. Defaults to None (mode 'zsl').
        data_preprocessor (OptConfigType): Usually a
            ``MultiBranchDataPreprocessor``. Defaults to None.
        init_cfg (OptMultiConfig): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 semi_train_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor)
        self.semi_train_cfg = resolve_semi_train_cfg(semi_train_cfg)
        self.mode = self.semi_train_cfg['mode']
        self.unsup_loss = LabelSmoothCELoss(
            smoothing=self.semi_train_cfg['smoothing'])
        self._warned_single_cutmix = False
        if self.semi_train_cfg['enhance_after']:
            # Counted in the model, so a checkpoint resumes the warm-up
            # where it stopped; the warm-up trains as mode pseudo does.
            self.register_buffer('train_iter', torch.zeros((),
                                                           dtype=torch.long))
            self.warmup_loss = LabelSmoothCELoss(smoothing=0.0)

    # ------------------------------------------------------------------
    # Delegation to the wrapped model (inference, validation, test).
    @property
    def align_corners(self) -> bool:
        """bool: ``align_corners`` of the wrapped model's decode head."""
        return self.segmentor.align_corners

    @property
    def num_classes(self) -> int:
        """int: Number of classes of the wrapped model."""
        return self.segmentor.num_classes

    @property
    def out_channels(self) -> int:
        """int: Number of output channels of the wrapped model."""
        return self.segmentor.out_channels

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Features of the wrapped model's backbone (and neck)."""
        return self.segmentor.extract_feat(inputs)

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Logits at input size, from the wrapped model."""
        return self.segmentor.encode_decode(inputs, batch_img_metas)

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predictions of the wrapped model (its ``test_cfg``)."""
        return self.segmentor.predict(inputs, data_samples)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Tensor:
        """Raw decode-head logits of the wrapped model."""
        return self.segmentor._forward(inputs, data_samples)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Accept a plain checkpoint of the wrapped model as well."""
        own = prefix + 'segmentor.'
        keys = [k for k in state_dict if k.startswith(prefix)]
        if keys and not any(k.startswith(own) for k in keys):
            skip = prefix + 'data_preprocessor.'
            for key in keys:
                if not key.startswith(skip):
                    state_dict[own + key[len(prefix):]] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------------
    # Training.
    def loss(self, inputs: Union[Tensor, MultiInputs],
             data_samples: Union[SampleList, MultiSamples]) -> dict:
        """Losses of one semi-supervised step.

        Args:
            inputs (dict[str, Tensor] | Tensor): Normalised images per branch
                ('sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2'), as
                returned by ``MultiBranchDataPreprocessor``. A plain tensor
                is taken as the 'sup' branch.
            data_samples (dict[str, list[SegDataSample]] | list): Samples per
                branch (see the data interface for their fields).

        Returns:
            dict[str, Tensor]: Weighted losses and logged metrics.
        """
        if isinstance(inputs, Tensor):
            inputs, data_samples = dict(sup=inputs), dict(sup=data_samples)
        missing = [b for b in REQUIRED_BRANCHES[self.mode] if b not in inputs]
        if missing:
            raise ValueError(
                f'Mode {self.mode!r} needs the branches '
                f'{list(REQUIRED_BRANCHES[self.mode])}, but the batch has '
                f'{sorted(inputs)} (missing {missing}). Check that the train '
                'dataloader yields labeled and unlabeled samples (the semi '
                'dataset configs) and that the model uses '
                'MultiBranchDataPreprocessor.')
        if self.mode == 'supervised':
            losses = self.segmentor.loss(inputs['sup'], data_samples['sup'])
            return self._weighted(losses, 'sup', 'sup_weight')
        if self.mode in ('zsl', 'pseudo'):
            _check_zero_shot_labels(data_samples['unsup_weak'], self.mode)
        if self.mode == 'pseudo':
            return self._loss_pseudo(inputs, data_samples, self.unsup_loss)
        if self._warming_up():
            return self._loss_pseudo(inputs, data_samples, self.warmup_loss)
        losses = self._loss_unimatch(inputs, data_samples)
        if self.semi_train_cfg['enhance_after']:
            # Logged as 0 once the warm-up is over: mmengine's logger would
            # otherwise keep printing the warm-up's last value to the end.
            losses['unsup.loss_pseudo'] = inputs['sup'].new_zeros(())
        return losses

    def _warming_up(self) -> bool:
        """Whether this iteration is one of the first ``enhance_after``
        (counted here, one loss call per training iteration)."""
        if not self.semi_train_cfg['enhance_after']:
            return False
        warming_up = int(self.train_iter) < self.semi_train_cfg[
            'enhance_after']
        self.train_iter += 1
        return warming_up

    def _loss_unimatch(self, inputs: MultiInputs,
                       data_samples: MultiSamples) -> dict:
        """Modes 'zsl' and 'unimatch': two passes, FP, CutMix."""
        cfg = self.semi_train_cfg
        num_l = inputs['sup'].shape[0]
        num_u = inputs['unsup_weak'].shape[0]
        if num_u == 1 and not self._warned_single_cutmix:
            self._warned_single_cutmix = True
            print_log(
                'CutMix pairs each unlabeled image with another one of the '
                "same GPU's batch, but this batch has 1 unlabeled image: it "
                'is mixed with itself (no CutMix). Use at least 2 unlabeled '
                'images per GPU (train_dataloader.sampler.num_unlabeled).',
                logger='current', level=logging.WARNING)

        # Pass 1: labeled + weak, clean and feature-perturbed in one head
        # batch. Only the unlabeled half of the perturbed output is used.
        feats = self.extract_feat(
            torch.cat([inputs['sup'], inputs['unsup_weak']]))
        head_inputs = [
            torch.cat([f, F.dropout2d(f, cfg['fp_dropout'], training=True)])
            for f in feats
        ]
        logits = self._decode(head_inputs)
        logits_l = logits[:num_l]
        logits_w = logits[num_l:num_l + num_u]
        logits_fp = logits[2 * num_l + num_u:]

        # Pass 2: both strong views, CutMixed with the partner image.
        partner = partner_index(num_u, inputs['unsup_weak'].device)
        boxes = [
            stack_pixel_field(data_samples[branch], 'cutmix_box').bool()
            for branch in ('unsup_strong1', 'unsup_strong2')
        ]
        strong = [
            cutmix_images(inputs[branch], box, partner)
            for branch, box in zip(('unsup_strong1',
                                    'unsup_strong2'), boxes)
        ]
        logits_s1, logits_s2 = self._decode(
            self.extract_feat(torch.cat(strong))).chunk(2)

        # Targets from the weak view.
        size = boxes[0].shape[-2:]
        conf, pred = confidence_and_prediction(self._upsample(logits_w, size))
        padding = stack_pixel_field(data_samples['unsup_weak'],
                                    'padding_mask').bool()
        if self.mode == 'zsl':
            zs_label = stack_pixel_field(data_samples['unsup_weak'],
                                         'gt_sem_seg')
            target = enhanced_target(conf, pred, zs_label, padding,
                                     cfg['conf_thresh'], cfg['ignore_index'],
                                     cfg['to_background_thresh'],
                                     cfg['background_index'])
        else:
            target = unimatch_target(conf, pred, padding, cfg['conf_thresh'],
                                     cfg['ignore_index'])

        losses = self._sup_losses(logits_l, feats, num_l, data_samples['sup'])
        w_u, (w_s1, w_s2) = cfg['unsup_weight'], cfg['strong_weights']
        unsup = dict(
            loss_fp=w_u * cfg['fp_weight'] * self._unsup_loss(
                logits_fp, target),
            loss_s1=w_u * w_s1 * self._unsup_loss(
                logits_s1, cutmix_target(target, boxes[0], partner)),
            loss_s2=w_u * w_s2 * self._unsup_loss(
                logits_s2, cutmix_target(target, boxes[1], partner)))
        if cfg['weak_weight'] > 0:
            unsup['loss_weak'] = w_u * cfg['weak_weight'] * self._unsup_loss(
                logits_w, target)
        unsup.update(self._target_metrics(conf, padding, target))
        losses.update(add_prefix(unsup, 'unsup'))
        return losses

    def _loss_pseudo(self, inputs: MultiInputs, data_samples: MultiSamples,
                     unsup_loss: LabelSmoothCELoss) -> dict:
        """Mode 'pseudo' (and zsl's warm-up): the unlabeled loss of the weak
        view against the zero-shot label."""
        num_l = inputs['sup'].shape[0]
        feats = self.extract_feat(
            torch.cat([inputs['sup'], inputs['unsup_weak']]))
        logits = self._decode(feats)
        samples_u = data_samples['unsup_weak']
        target = plain_target(
            stack_pixel_field(samples_u, 'gt_sem_seg'),
            stack_pixel_field(samples_u, 'padding_mask').bool(),
            self.semi_train_cfg['ignore_index'])
        losses = self._sup_losses(logits[:num_l], feats, num_l,
                                  data_samples['sup'])
        losses['unsup.loss_pseudo'] = (
            self.semi_train_cfg['unsup_weight'] *
            self._unsup_loss(logits[num_l:], target, unsup_loss))
        return losses

    # ------------------------------------------------------------------
    # Helpers.
    def _decode(self, feats: Sequence[Tensor]) -> Tensor:
        """Run the wrapped decode head (raw logits at head resolution)."""
        logits = self.segmentor.decode_head(feats)
        if not isinstance(logits, Tensor):
            raise TypeError(
                'UniMatchZSSegmentor needs a decode head whose forward '
                f'returns one logits tensor, but '
                f'{type(self.segmentor.decode_head).__name__} returned '
                f'{type(logits).__name__}.')
        return logits

    def _upsample(self, logits: Tensor, size: Tuple[int, int]) -> Tensor:
        """Resize logits to the label size like mmseg's decode heads."""
        return resize(
            logits,
            size=size,
            mode='bilinear',
            align_corners=self.align_corners,
            warning=False)

    def _weighted(self, losses: dict, prefix: str, weight_key: str) -> dict:
        """Prefix keys and weight every ``loss`` entry."""
        weight = self.semi_train_cfg[weight_key]
        return {
            f'{prefix}.{name}': value * weight if 'loss' in name else value
            for name, value in losses.items()
        }

    def _sup_losses(self, logits_l: Tensor, feats: Sequence[Tensor],
                    num_l: int, samples_l: SampleList) -> dict:
        """Decode-head (and auxiliary-head) losses of the labeled images."""
        seg = self.segmentor
        losses = add_prefix(
            seg.decode_head.loss_by_feat(logits_l, samples_l), 'decode')
        if seg.with_auxiliary_head:
            feats_l = [f[:num_l] for f in feats]
            losses.update(
                seg._auxiliary_head_forward_train(feats_l, samples_l))
        return self._weighted(losses, 'sup', 'sup_weight')

    def _unsup_loss(self,
                    logits: Tensor,
                    target: Target,
                    unsup_loss: Optional[LabelSmoothCELoss] = None
                    ) -> Tensor:
        """Unlabeled loss of logits (head resolution) against a target
        (``unsup_loss`` defaults to the mode's)."""
        label, pixel_weight = target
        return (unsup_loss or self.unsup_loss)(
            self._upsample(logits, label.shape[-2:]),
            label,
            weight=pixel_weight,
            ignore_index=self.semi_train_cfg['ignore_index'])

    def _target_metrics(self, conf: Tensor, padding: Tensor,
                        target: Target) -> Dict[str, Tensor]:
        """Logged only: confident share, target share, model-label share."""
        valid = ~padding
        num_valid = valid.sum().clamp(min=1)
        confident = (conf >= self.semi_train_cfg['conf_thresh']) & valid
        has_target = target[0] != self.semi_train_cfg['ignore_index']
        metrics = dict(
            conf_ratio=confident.sum() / num_valid,
            target_ratio=has_target.sum() / num_valid)
        if self.mode == 'zsl':
            metrics['model_label_ratio'] = (
                (confident & has_target).sum() /
                has_target.sum().clamp(min=1))
        return {k: v.detach().float() for k, v in metrics.items()}


def _check_zero_shot_labels(samples: SampleList, mode: str) -> None:
    """Refuse the dummy labels of a dataset without a pseudo-label
    directory (``ZeroShotPseudoLabel`` packs ``pseudo_label_path=None``)."""
    dummy = [
        s.metainfo.get('img_path') for s in samples
        if 'pseudo_label_path' in s.metainfo
        and s.metainfo['pseudo_label_path'] is None
    ]
    if dummy:
        raise ValueError(
            f'Mode {mode!r} trains on the zero-shot pseudo labels, but the '
            f'unlabeled dataset has none (e.g. for {dummy[0]}): set '
            'train_dataloader.dataset.unlabeled.pseudo_label_dir to the '
            "labels/ directory of tools/annotate.py (or use mode 'unimatch' "
            "or 'supervised', which do not read them).")
