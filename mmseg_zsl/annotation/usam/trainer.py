"""Teacher (MIL) then student (MIL + uncertainty) training, resumable.

Files in ``work_dir``:

- ``teacher_latest.pth`` / ``student_latest.pth``: weights, Adam state and
  epoch, written every ``checkpoint_interval`` epochs (resume points);
- ``teacher.pth`` / ``student.pth``: the finished classifiers;
  ``student.pth`` is what the U-SAM annotator loads.

Every epoch shuffles with its own seed ``[seed, stage, epoch]`` and the
models start from ``seed``, so a resumed run ends with exactly the weights
of an uninterrupted one.
"""
import io
import os.path as osp
import sys
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from mmseg_zsl.utils.files import atomic_write_bytes
from .classifier import DEFAULT_HIDDEN_CHANNELS, MaskClassifier
from .losses import MASK_REDUCTIONS, mil_loss, student_loss

STAGES = ('teacher', 'student')
CHECKPOINT_FORMAT = 'mmseg_zsl.usam_classifier'
CHECKPOINT_VERSION = 1
#: Training options that only the student stage uses.
_STUDENT_ONLY = ('student_epochs', 'mil_weight', 'unc_weight',
                 'entropy_threshold', 'unc_mask_reduction')
_POSITIVE_OPTIONS = ('topk_divisor', 'lr', 'batch_size', 'teacher_epochs',
                     'student_epochs', 'checkpoint_interval')


@dataclass
class USamTrainConfig:
    """Classifier training options (paper values where it gives them).

    Args:
        hidden_channels (Sequence[int]): Hidden widths of the 4-layer MLP.
            Defaults to (512, 256, 128).
        topk_divisor (float): a in k = max(1, ceil(d / a)). Defaults to 8
            (the k-max MIL of W-TALC, by one of U-SAM's authors; U-SAM
            does not give a).
        lr (float): Adam learning rate. Defaults to 1e-3.
        batch_size (int): Images per step. Defaults to 64.
        teacher_epochs (int): Defaults to 20.
        student_epochs (int): Defaults to 20.
        mil_weight (float): lambda1. Defaults to 1.0.
        unc_weight (float): lambda2. Defaults to 0.15.
        entropy_threshold (float): Teacher masks with a normalised entropy
            (H / log C) above it are bad. Defaults to 0.5.
        unc_mask_reduction (str): 'mean' or 'sum' over an image's bad masks.
            Defaults to 'mean'.
        seed (int): Initialisation and shuffling. Defaults to 0.
        checkpoint_interval (int): Epochs between resume checkpoints.
            Defaults to 1.
    """
    hidden_channels: Sequence[int] = DEFAULT_HIDDEN_CHANNELS
    topk_divisor: float = 8
    lr: float = 1e-3
    batch_size: int = 64
    teacher_epochs: int = 20
    student_epochs: int = 20
    mil_weight: float = 1.0
    unc_weight: float = 0.15
    entropy_threshold: float = 0.5
    unc_mask_reduction: str = 'mean'
    seed: int = 0
    checkpoint_interval: int = 1

    def __post_init__(self) -> None:
        self.hidden_channels = [int(c) for c in self.hidden_channels]
        for name in _POSITIVE_OPTIONS:
            if not getattr(self, name) > 0:
                raise ValueError(f'{name} must be > 0, got '
                                 f'{getattr(self, name)}.')
        if self.unc_mask_reduction not in MASK_REDUCTIONS:
            raise ValueError(f'unc_mask_reduction must be one of '
                             f'{MASK_REDUCTIONS}, got '
                             f'{self.unc_mask_reduction!r}.')

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def save_checkpoint(path: str, payload: Dict[str, Any]) -> None:
    """``torch.save`` to a temporary file, then rename (atomic)."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_classifier(path: str, device: str = 'cpu'
                    ) -> Tuple[MaskClassifier, Dict[str, Any]]:
    """A trained classifier and its checkpoint (class names, meta...)."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'U-SAM classifier {path!r} does not exist; train one with '
            'tools/train_usam.py (it writes <work_dir>/student.pth).')
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(checkpoint, dict) or \
            checkpoint.get('format') != CHECKPOINT_FORMAT:
        raise ValueError(f'{path} is not a U-SAM classifier checkpoint '
                         '(written by tools/train_usam.py).')
    model = MaskClassifier(**checkpoint['model_config'])
    model.load_state_dict(checkpoint['state_dict'])
    return model.to(device).eval(), checkpoint


class USamTrainer:
    """Trains the teacher, then the student, on cached mask embeddings.

    Args:
        embeddings (Tensor): ``(N, d, D)`` (float16 is fine).
        targets (Tensor): ``(N, C)`` multi-hot image labels.
        class_names (Sequence[str]): The C classes.
        work_dir (str): Where checkpoints go.
        config (USamTrainConfig): Options.
        meta (dict): Stored in checkpoints and compared on resume (SAM,
            embedder settings, example-set fingerprint).
        device (str): Training device. Defaults to 'cpu'.
        progress (bool): Show progress bars. Defaults to True.
    """

    def __init__(self,
                 embeddings: Tensor,
                 targets: Tensor,
                 class_names: Sequence[str],
                 work_dir: str,
                 config: USamTrainConfig,
                 meta: Dict[str, Any],
                 device: str = 'cpu',
                 progress: bool = True) -> None:
        if embeddings.dim() != 3 or targets.shape != (len(embeddings),
                                                      len(class_names)):
            raise ValueError(
                'Expected (N, d, D) embeddings and (N, C) targets, got '
                f'{tuple(embeddings.shape)} and {tuple(targets.shape)} for '
                f'{len(class_names)} classes.')
        self.embeddings = embeddings
        self.targets = targets.float()
        self.class_names = list(class_names)
        self.work_dir = work_dir
        self.config = config
        self.meta = meta
        self.device = device
        self.progress = progress
        self.history: Dict[str, List[Dict[str, float]]] = {}

    def paths(self, stage: str) -> Tuple[str, str]:
        """``(resume checkpoint, finished classifier)`` of a stage."""
        return (osp.join(self.work_dir, f'{stage}_latest.pth'),
                osp.join(self.work_dir, f'{stage}.pth'))

    def identity(self, stage: str) -> Dict[str, Any]:
        """What a stage's checkpoint must match to be resumed."""
        options = self.config.to_dict()
        options.pop(f'{stage}_epochs')
        options.pop('checkpoint_interval')
        if stage == 'teacher':
            for name in _STUDENT_ONLY:
                options.pop(name, None)
        return dict(
            options=options, meta=self.meta, class_names=self.class_names)

    def new_model(self, stage: str) -> MaskClassifier:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed + STAGES.index(stage))
            model = MaskClassifier(self.embeddings.shape[-1],
                                   len(self.class_names),
                                   self.config.hidden_channels)
        return model.to(self.device)

    def run(self) -> Dict[str, str]:
        """Both stages (each resumes or is skipped if done)."""
        teacher = self.train_stage('teacher')
        self.train_stage('student', teacher)
        return {stage: self.paths(stage)[1] for stage in STAGES}

    def _load_resume(self, stage: str, path: str) -> Optional[Dict]:
        if not osp.isfile(path):
            return None
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
        if checkpoint.get('identity') != self.identity(stage):
            raise ValueError(
                f'{path} was trained with other options, classes, examples '
                'or SAM. Use another work directory, or --overwrite to '
                'start over.')
        return checkpoint

    def train_stage(self,
                    stage: str,
                    teacher: Optional[MaskClassifier] = None
                    ) -> MaskClassifier:
        """Train (or resume, or skip) one stage; returns its model."""
        epochs = getattr(self.config, f'{stage}_epochs')
        latest, final = self.paths(stage)
        model = self.new_model(stage)
        optimizer = torch.optim.Adam(model.parameters(), lr=self.config.lr)
        checkpoint = self._load_resume(stage, latest)
        start = 0
        self.history[stage] = []
        if checkpoint is not None:
            start = checkpoint['epoch']
            if start > epochs:
                raise ValueError(
                    f'{latest} has {start} {stage} epochs, more than the '
                    f'{epochs} asked for; use --overwrite to start over.')
            model.load_state_dict(checkpoint['state_dict'])
            optimizer.load_state_dict(checkpoint['optimizer'])
            self.history[stage] = list(checkpoint['history'])
        bar = tqdm(range(start, epochs), desc=stage, unit='epoch',
                   disable=not self.progress, file=sys.stderr,
                   dynamic_ncols=True)
        for epoch in bar:
            stats = self._epoch(stage, epoch, model, optimizer, teacher)
            self.history[stage].append(stats)
            bar.set_postfix({k: f'{v:.4f}' for k, v in stats.items()})
            done = epoch + 1
            if done % self.config.checkpoint_interval == 0 or done == epochs:
                save_checkpoint(latest,
                                self._payload(stage, model, done, optimizer))
        if start < epochs or not osp.isfile(final):
            save_checkpoint(final, self._payload(stage, model, epochs))
        return model.eval()

    def _epoch(self, stage: str, epoch: int, model: MaskClassifier,
               optimizer: torch.optim.Optimizer,
               teacher: Optional[MaskClassifier]) -> Dict[str, float]:
        cfg = self.config
        model.train()
        order = np.random.default_rng(
            [cfg.seed, STAGES.index(stage), epoch]).permutation(
                len(self.embeddings))
        sums: Dict[str, float] = {}
        for start in range(0, len(order), cfg.batch_size):
            index = torch.from_numpy(order[start:start + cfg.batch_size])
            inputs = self.embeddings[index].to(self.device).float()
            targets = self.targets[index].to(self.device)
            logits = model(inputs)
            if teacher is None:
                loss = mil_loss(logits, targets, cfg.topk_divisor)
                parts = dict(loss_mil=loss.item())
            else:
                with torch.no_grad():
                    teacher_logits = teacher(inputs)
                loss, parts = student_loss(
                    logits, teacher_logits, targets, cfg.topk_divisor,
                    cfg.entropy_threshold, cfg.mil_weight, cfg.unc_weight,
                    cfg.unc_mask_reduction)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            parts['loss'] = loss.item()
            for key, value in parts.items():
                sums[key] = sums.get(key, 0.0) + value * len(index)
        return {key: value / len(order) for key, value in sums.items()}

    def _payload(self,
                 stage: str,
                 model: MaskClassifier,
                 epoch: int,
                 optimizer: Optional[torch.optim.Optimizer] = None
                 ) -> Dict[str, Any]:
        payload = dict(
            format=CHECKPOINT_FORMAT,
            version=CHECKPOINT_VERSION,
            stage=stage,
            epoch=epoch,
            state_dict={
                k: v.detach().cpu().clone()
                for k, v in model.state_dict().items()
            },
            model_config=model.config(),
            class_names=self.class_names,
            train_config=self.config.to_dict(),
            meta=self.meta,
            identity=self.identity(stage),
            history=list(self.history[stage]))
        if optimizer is not None:
            payload['optimizer'] = optimizer.state_dict()
        return payload
