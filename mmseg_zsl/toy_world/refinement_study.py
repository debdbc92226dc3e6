"""The refinement-round study on the toy world (pre-registered in
configs/toy/README.md): round 2 on refined labels and ``enhance_after``
against ``pseudo`` and ``zsl`` at the same budget.

Each (labeled count, seed) pair is one chain of steps run in order: the two
round-1 models, their four refinements (``tools/refine_pseudo_labels.py``),
the four round-2 models, then the three full-budget arms. Chains of
different pairs run in parallel. Training results go to ``results.csv``
(:mod:`.benchmark`), refinements to ``refined.csv``; both survive
interruption, and a rerun skips what they hold.
"""
import csv
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmseg_zsl.visualization.metrics import (confusion_matrix,
                                             iou_from_confusion, mean_iou)
from .experiment import ToyRun, _run_tool, cfg_options, splits_dir
from .io import read_label_png, read_split_stems
from .plots import mean_and_spread

#: The pre-registered settings (configs/toy/README.md).
BUDGET_EPOCHS = 48
ROUND1_EPOCHS = 24
ROUND1_METHODS = ('pseudo', 'zsl')
REFINE_TAU = 0.7
REFINE_FLIP = True
COUNTS = (8, 32)
SEEDS = (0, 1, 2, 3, 4)
REFINED_FIELDS = ('round1', 'round1_method', 'labeled', 'seed', 'segments',
                  'label_miou', 'zero_shot_miou', 'changed_percent',
                  'seconds')


@dataclass(frozen=True)
class Refinement:
    """Refine the zero-shot labels with a round-1 model."""
    round1: ToyRun
    segments: bool

    @property
    def name(self) -> str:
        return self.round1.name + ('_seg' if self.segments else '')


def study_pairs(counts: Sequence[int],
                seeds: Sequence[int]) -> List[Tuple[int, int]]:
    """(count, seed) pairs, seed-major: an interrupted study covers every
    count at the seeds it reached."""
    return [(n, s) for s in seeds for n in counts]


def chain(labeled: int, seed: int, quality: float) -> List:
    """The steps of one pair, in the pre-registered order."""
    round1 = {
        m: ToyRun(m, labeled, seed, ROUND1_EPOCHS, quality=quality)
        for m in ROUND1_METHODS
    }
    steps: List = list(round1.values())
    for method in ROUND1_METHODS:
        for segments in (False, True):
            steps.append(Refinement(round1[method], segments))
            steps.append(
                ToyRun('pseudo', labeled, seed, BUDGET_EPOCHS - ROUND1_EPOCHS,
                       quality=quality, refined_from=method,
                       segments=segments))
    steps += [
        ToyRun('pseudo', labeled, seed, BUDGET_EPOCHS, quality=quality),
        ToyRun('zsl', labeled, seed, BUDGET_EPOCHS, quality=quality),
        ToyRun('zsl', labeled, seed, BUDGET_EPOCHS, quality=quality,
               enhance_after=BUDGET_EPOCHS - ROUND1_EPOCHS),
    ]
    return steps


def refined_dir(out_dir: str, refinement: Refinement) -> str:
    return osp.join(out_dir, 'refined', refinement.name)


def round2_labels(out_dir: str, run: ToyRun) -> Optional[str]:
    """The refined labels a round-2 run trains on (None: not round 2)."""
    if run.refined_from is None:
        return None
    round1 = ToyRun(run.refined_from, run.labeled, run.seed, ROUND1_EPOCHS,
                    quality=run.quality)
    return osp.join(refined_dir(out_dir, Refinement(round1, run.segments)),
                    'labels')


def label_miou(label_dir: str, world_dir: str, stems: Sequence[str],
               num_classes: int) -> float:
    """mIoU (%) of ``<stem>.png`` labels against the world's ground truth."""
    matrix = np.zeros((num_classes, num_classes + 1), np.int64)
    for stem in stems:
        gt = read_label_png(osp.join(world_dir, 'masks', stem + '.png'))
        label = read_label_png(osp.join(label_dir, stem + '.png'))
        matrix += confusion_matrix(gt, label, num_classes)
    return mean_iou(iou_from_confusion(matrix))


def refine(refinement: Refinement, world_dir: str, pseudo_label_dir: str,
           segments_dir: str, work_root: str, out_dir: str, repo_root: str,
           num_classes: int) -> Dict:
    """Run tools/refine_pseudo_labels.py and score its labels."""
    from mmseg_zsl.annotation.output_dir import read_manifest
    from .experiment import METHOD_CONFIGS
    run = refinement.round1
    target = refined_dir(out_dir, refinement)
    checkpoint = osp.join(work_root, run.name, f'epoch_{run.epochs}.pth')
    args = [
        'tools/refine_pseudo_labels.py', METHOD_CONFIGS[run.method],
        checkpoint, target, '--tau', str(REFINE_TAU), '--no-progress'
    ]
    if REFINE_FLIP:
        args.append('--flip')
    if refinement.segments:
        args += ['--segments', segments_dir]
    os.makedirs(target, exist_ok=True)
    start = time.perf_counter()
    _run_tool(args + ['--cfg-options'] +
              cfg_options(run, world_dir, pseudo_label_dir),
              osp.join(target, 'refine.log'), repo_root)
    split = osp.join(world_dir, splits_dir(run.seed), str(run.labeled),
                     'unlabeled.txt')
    stems = read_split_stems(split)
    return dict(
        round1=run.name,
        round1_method=run.method,
        labeled=run.labeled,
        seed=run.seed,
        segments=refinement.segments,
        label_miou=label_miou(osp.join(target, 'labels'), world_dir, stems,
                              num_classes),
        zero_shot_miou=label_miou(pseudo_label_dir, world_dir, stems,
                                  num_classes),
        changed_percent=read_manifest(target)['refinement']
        ['changed_percent'],
        seconds=round(time.perf_counter() - start, 1))


def read_refined(path: str) -> List[Dict]:
    if not osp.isfile(path):
        return []
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row['labeled'], row['seed'] = int(row['labeled']), int(row['seed'])
        row['segments'] = row['segments'] == 'True'
        for key in ('label_miou', 'zero_shot_miou', 'changed_percent',
                    'seconds'):
            row[key] = float(row[key])
    return rows


def append_refined(path: str, row: Dict) -> None:
    new = not osp.isfile(path)
    with open(path, 'a', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=REFINED_FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(row)
        f.flush()
        os.fsync(f.fileno())


def refined_names(rows: Sequence[Dict]) -> List[str]:
    """:attr:`Refinement.name` of each row of ``refined.csv``."""
    return [r['round1'] + ('_seg' if r['segments'] else '') for r in rows]


def run_chain(steps: Sequence, done: Callable[[str], bool],
              train: Callable[[ToyRun], None],
              refine_one: Callable[[Refinement], None]) -> None:
    """Run a pair's steps in order, skipping those already done."""
    for step in steps:
        if done(step.name):
            continue
        if isinstance(step, Refinement):
            refine_one(step)
        else:
            train(step)


# ----------------------------------------------------------------------
# Tables.
ARMS = (
    ('`pseudo` 48', dict(method='pseudo', epochs=48, refined_from=None,
                         enhance_after=None)),
    ('`zsl` 48', dict(method='zsl', epochs=48, refined_from=None,
                      enhance_after=None)),
    ('`zsl` + `enhance_after` 24', dict(method='zsl', epochs=48,
                                        enhance_after=24)),
    ('round 2 from `pseudo`', dict(refined_from='pseudo', segments=False)),
    ('round 2 from `pseudo`, segments', dict(refined_from='pseudo',
                                             segments=True)),
    ('round 2 from `zsl`', dict(refined_from='zsl', segments=False)),
    ('round 2 from `zsl`, segments', dict(refined_from='zsl',
                                          segments=True)),
    ('round 1: `pseudo` 24', dict(method='pseudo', epochs=24,
                                  refined_from=None, enhance_after=None)),
    ('round 1: `zsl` 24', dict(method='zsl', epochs=24, refined_from=None,
                               enhance_after=None)),
)
BASELINES = ('`pseudo` 48', '`zsl` 48')


def _matches(row: Dict, selector: Dict) -> bool:
    return all(row.get(k) == v for k, v in selector.items())


def _cell(values: List[Tuple[int, float]]) -> str:
    if not values:
        return '-'
    numbers = [v for _, v in sorted(values)]
    std = float(np.std(numbers, ddof=1)) if len(numbers) > 1 else 0.0
    seeds = ' / '.join(f'{v:.2f}' for v in numbers)
    return (f'{np.mean(numbers):.2f} ± {std:.2f} ({len(numbers)}) <br> '
            f'{seeds}')


def arm_values(rows: Sequence[Dict], counts: Sequence[int]) -> Dict:
    """``{(arm, count): [(seed, mIoU)]}`` of the study's training rows."""
    return {(arm, n): [(r['seed'], r['miou']) for r in rows
                       if r['labeled'] == n and _matches(r, selector)]
            for arm, selector in ARMS for n in counts}


def beats(a: List[Tuple[int, float]],
          b: List[Tuple[int, float]]) -> Optional[Tuple[float, float, bool]]:
    """(mean difference, larger sample std, a beats b) or None below two
    runs each."""
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = [v for _, v in a], [v for _, v in b]
    spread = max(float(np.std(va, ddof=1)), float(np.std(vb, ddof=1)))
    diff = float(np.mean(va) - np.mean(vb))
    return diff, spread, diff > spread


def study_tables(rows: Sequence[Dict], refined: Sequence[Dict],
                 counts: Sequence[int]) -> str:
    """Markdown: every arm per count, the rule's verdicts, label quality."""
    values = arm_values(rows, counts)
    lines = [
        '## Val mIoU (%), mean ± sample std (runs), then seed 0 / 1 / ...',
        '', '| arm | ' + ' | '.join(f'n = {n}' for n in counts) + ' |',
        '|---' * (len(counts) + 1) + '|'
    ]
    for arm, _ in ARMS:
        lines.append(f'| {arm} | ' + ' | '.join(
            _cell(values[(arm, n)]) for n in counts) + ' |')
    lines += ['', '## Does the arm beat `pseudo` 48 and `zsl` 48? '
              '(difference vs the larger std)', '',
              '| arm | ' + ' | '.join(
                  f'n = {n}: vs {b}' for n in counts for b in BASELINES) +
              ' |', '|---' * (2 * len(counts) + 1) + '|']
    for arm, _ in ARMS[2:7]:
        cells = []
        for n in counts:
            for baseline in BASELINES:
                verdict = beats(values[(arm, n)], values[(baseline, n)])
                cells.append('-' if verdict is None else
                             f'{verdict[0]:+.2f} vs {verdict[1]:.2f}: '
                             f'{"**yes**" if verdict[2] else "no"}')
        lines.append(f'| {arm} | ' + ' | '.join(cells) + ' |')
    by_labels = ('round1_method', 'segments', 'labeled')
    quality = mean_and_spread(refined, by_labels, 'label_miou')
    # one zero-shot score per labeled set (every refinement repeats it)
    per_set = {(r['labeled'], r['seed']): r for r in refined}.values()
    zero_shot = mean_and_spread(list(per_set), ('labeled', ),
                                'zero_shot_miou')
    changed = mean_and_spread(refined, by_labels, 'changed_percent')
    lines += ['', '## Refined labels against the ground truth of the '
              'unlabeled images: mIoU (%), pixels changed (%)', '',
              '| labels | ' + ' | '.join(f'n = {n}' for n in counts) + ' |',
              '|---' * (len(counts) + 1) + '|']

    def stat(summary, key, fmt='{:.2f} ± {:.2f} ({})'):
        return fmt.format(*summary[key]) if key in summary else '-'

    lines.append('| zero-shot (simulated, q 0.6) | ' + ' | '.join(
        stat(zero_shot, (n, )) for n in counts) + ' |')
    for method in ROUND1_METHODS:
        for segments in (False, True):
            name = f'refined from `{method}` 24' + (
                ', segments' if segments else '')
            lines.append(f'| {name} | ' + ' | '.join(
                stat(quality, (method, segments, n)) + '; changed ' +
                stat(changed, (method, segments, n), '{:.2f}')
                for n in counts) + ' |')
    return '\n'.join(lines) + '\n'
