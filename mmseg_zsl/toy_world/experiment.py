"""One training run on the toy world, through the real tools.

``tools/run_demo.py`` and ``tools/benchmark_toy.py`` train and evaluate the
same way a user does: ``tools/train.py`` with a config of ``configs/toy/``
and ``--cfg-options`` for the world, the split, the pseudo labels and the
budget, then ``tools/test.py`` on the last checkpoint. This module builds
those command lines and reads the mIoU back; it imports nothing of tools/.
"""
import os
import os.path as osp
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

#: The four modes of UniMatchZSSegmentor and the enhancement variants beyond
#: the paper, and their toy configs.
METHOD_CONFIGS = dict(
    supervised='configs/toy/supervised_toy.py',
    pseudo='configs/toy/pseudo_toy.py',
    unimatch='configs/toy/unimatch_toy.py',
    zsl='configs/toy/zsl_toy.py',
    zsl_keep_objects='configs/toy/zsl_keep_objects_toy.py',
    zsl_weak_view='configs/toy/zsl_weak_view_toy.py')
#: Methods whose unlabeled targets include the zero-shot pseudo labels.
USES_PSEUDO_LABELS = ('pseudo', 'zsl', 'zsl_keep_objects', 'zsl_weak_view')
_MIOU = re.compile(r'mIoU: (\d+(?:\.\d+)?)')


@dataclass(frozen=True)
class ToyRun:
    """Settings of one run; ``name`` is its work-dir name.

    Args:
        method (str): One of :data:`METHOD_CONFIGS`.
        labeled (int): Labeled images (a split ``splits*/<n>/`` must exist).
        seed (int): Training seed; seed s > 0 also uses the world's
            labeled draw ``splits_seed<s>``. Defaults to 0.
        epochs (int): Epochs (passes over the unlabeled set). Defaults to 4.
        smoothing (float, optional): Label smoothing of the unlabeled
            loss; None keeps the config's (1/C for ``zsl``). Defaults to None.
        quality (float): Quality knob of the simulated pseudo labels.
            Defaults to 0.6.
        conf_thresh (float, optional): Confidence threshold tau; None keeps
            the config's (0.7 for ``zsl``). Defaults to None.
        pretrained (bool): Start from the configs' pretrained backbone;
            False trains from scratch (the control). Defaults to True.
        refined_from (str, optional): Train on the labels refined from the
            round-1 model of this method (``tools/refine_pseudo_labels.py``;
            the refinement study) instead of the simulated zero-shot labels.
            Defaults to None.
        segments (bool): Those labels were refined with ``--segments``.
            Defaults to False.
        enhance_after (int, optional): ``zsl``: epochs of ``pseudo`` training
            before the enhancement starts (``semi_train_cfg.enhance_after``,
            in iterations). Defaults to None.
    """
    method: str
    labeled: int
    seed: int = 0
    epochs: int = 4
    smoothing: Optional[float] = None
    quality: float = 0.6
    conf_thresh: Optional[float] = None
    pretrained: bool = True
    refined_from: Optional[str] = None
    segments: bool = False
    enhance_after: Optional[int] = None

    def __post_init__(self) -> None:
        if self.method not in METHOD_CONFIGS:
            raise ValueError(f'method must be one of {list(METHOD_CONFIGS)},'
                             f' got {self.method!r}')
        if self.segments and self.refined_from is None:
            raise ValueError('segments=True needs refined_from (the labels '
                             'refined with --segments)')

    @property
    def name(self) -> str:
        smoothing = '' if self.smoothing is None else f'_ls{self.smoothing:g}'
        tau = '' if self.conf_thresh is None else f'_tau{self.conf_thresh:g}'
        scratch = '' if self.pretrained else '_scratch'
        warmup = '' if self.enhance_after is None else \
            f'_ea{self.enhance_after}'
        refined = '' if self.refined_from is None else \
            f'_r2{self.refined_from}{"_seg" if self.segments else ""}'
        return (f'{self.method}{smoothing}{tau}{warmup}{refined}'
                f'_n{self.labeled}_s{self.seed}_e{self.epochs}'
                f'_q{self.quality:g}{scratch}')

    def as_row(self) -> Dict:
        return asdict(self)


def splits_dir(seed: int) -> str:
    """The world's split folder for a seed (seed 0: the default draw)."""
    return 'splits' if seed == 0 else f'splits_seed{seed}'


def cfg_options(run: ToyRun, world_dir: str,
                pseudo_label_dir: str) -> List[str]:
    """``--cfg-options`` that point a toy config at a world and a budget."""
    split = f'{splits_dir(run.seed)}/{run.labeled}'
    options = [
        f'train_dataloader.dataset.labeled.data_root={world_dir}',
        f'train_dataloader.dataset.labeled.ann_file={split}/labeled.txt',
        f'train_dataloader.dataset.unlabeled.data_root={world_dir}',
        f'train_dataloader.dataset.unlabeled.ann_file={split}/unlabeled.txt',
        f'val_dataloader.dataset.data_root={world_dir}',
        f'test_dataloader.dataset.data_root={world_dir}',
        f'randomness.seed={run.seed}',
        f'train_cfg.max_epochs={run.epochs}',
        # Evaluate once, with tools/test.py, on the last weights.
        f'train_cfg.val_interval={run.epochs + 1}',
        f'param_scheduler.0.end={run.epochs}',
        f'default_hooks.checkpoint.interval={run.epochs}',
    ]
    if run.method in USES_PSEUDO_LABELS:
        options.append('train_dataloader.dataset.unlabeled.pseudo_label_dir='
                       f'{osp.abspath(pseudo_label_dir)}')
    if run.smoothing is not None:
        options.append(f'model.semi_train_cfg.smoothing={run.smoothing}')
    if run.conf_thresh is not None:
        options.append(
            f'model.semi_train_cfg.conf_thresh={run.conf_thresh}')
    if not run.pretrained:
        options.append('model.segmentor.backbone.init_cfg=None')
    if run.enhance_after is not None:
        iterations = run.enhance_after * iterations_per_epoch(
            world_dir, split, METHOD_CONFIGS[run.method])
        options.append(f'model.semi_train_cfg.enhance_after={iterations}')
    return options


def iterations_per_epoch(world_dir: str, split: str, config: str) -> int:
    """Training iterations of one epoch: batches of the config's unlabeled
    images per GPU over the split's unlabeled set (one process)."""
    from mmengine.config import Config

    from .io import read_split_stems
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    per_batch = Config.fromfile(osp.join(
        repo, config)).train_dataloader.sampler.num_unlabeled
    unlabeled = read_split_stems(osp.join(world_dir, split, 'unlabeled.txt'))
    return len(unlabeled) // per_batch


def parse_miou(log_text: str) -> float:
    """The last ``mIoU: x`` that mmengine's logger printed."""
    found = _MIOU.findall(log_text)
    if not found:
        raise RuntimeError('no mIoU in the output of tools/test.py')
    return float(found[-1])


def _run_tool(args: List[str], log_path: str, repo_root: str) -> str:
    """Run ``python tools/...`` with its output in ``log_path``."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    # The toy models are tiny: intra-op threads cost more than they give
    # (and runs may go in parallel, one per core).
    env.setdefault('OMP_NUM_THREADS', '1')
    with open(log_path, 'w') as log:
        result = subprocess.run([sys.executable] + args,
                                cwd=repo_root,
                                env=env,
                                stdout=log,
                                stderr=subprocess.STDOUT)
    with open(log_path) as log:
        text = log.read()
    if result.returncode != 0:
        tail = '\n'.join(text.splitlines()[-20:])
        raise RuntimeError(f'{" ".join(args[:2])} failed (exit '
                           f'{result.returncode}); log {log_path}:\n{tail}')
    return text


def train_and_test(run: ToyRun,
                   world_dir: str,
                   pseudo_label_dir: str,
                   work_root: str,
                   repo_root: str,
                   pred_dir: Optional[str] = None) -> Dict:
    """Train ``run`` with tools/train.py and evaluate with tools/test.py.

    Args:
        run (ToyRun): What to train.
        world_dir (str): Root of the toy world.
        pseudo_label_dir (str): Simulated or annotated pseudo labels.
        work_root (str): Parent of the run's work dir.
        repo_root (str): Repository root (configs/ and tools/).
        pred_dir (str, optional): Where tools/test.py saves predictions
            (``--out``). Defaults to None.

    Returns:
        dict: The run's settings, ``miou`` and ``seconds``.
    """
    work_dir = osp.abspath(osp.join(work_root, run.name))
    os.makedirs(work_dir, exist_ok=True)
    config = METHOD_CONFIGS[run.method]
    options = cfg_options(run, osp.abspath(world_dir), pseudo_label_dir)
    start = time.perf_counter()
    _run_tool(['tools/train.py', config, '--work-dir', work_dir,
               '--cfg-options'] + options,
              osp.join(work_dir, 'train.log'), repo_root)
    checkpoint = osp.join(work_dir, f'epoch_{run.epochs}.pth')
    test_args = ['tools/test.py', config, checkpoint, '--work-dir', work_dir]
    if pred_dir is not None:
        test_args += ['--out', osp.abspath(pred_dir)]
    text = _run_tool(test_args + ['--cfg-options'] + options,
                     osp.join(work_dir, 'test.log'), repo_root)
    return dict(
        run.as_row(),
        miou=parse_miou(text),
        seconds=round(time.perf_counter() - start, 1))
