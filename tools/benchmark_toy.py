"""The seeded comparison on the toy world: methods x labeled counts x seeds.

Beside the main grid it runs ablations at the smallest labeled count:
label smoothing off and other confidence thresholds for ``zsl``, other
pseudo-label qualities and other training lengths for ``zsl`` and
``pseudo``. Every run goes through tools/train.py and tools/test.py (see
mmseg_zsl/toy_world/experiment.py).
Results are appended to ``OUT/results.csv`` as each run ends, so an
interrupted benchmark resumes where it stopped; ``OUT/summary.md`` holds the
tables (mean ± sample std over seeds) and ``OUT/miou_vs_labeled.png`` the
plot.

Example::

    python tools/benchmark_toy.py --out-dir work_dirs/benchmark_toy
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

import mmseg_zsl  # noqa: F401  (compat patches first)
from mmseg_zsl.toy_world import CLASSES, read_split_stems, write_split_files
from mmseg_zsl.toy_world.benchmark import (RUN_FIELDS, append_result,
                                           is_main_row, plan_runs,
                                           read_results, summary_tables)
from mmseg_zsl.toy_world.experiment import (METHOD_CONFIGS, ToyRun, splits_dir,
                                            train_and_test)
from mmseg_zsl.toy_world.plots import plot_miou_vs_labeled
from mmseg_zsl.toy_world.refinement_study import (COUNTS, SEEDS, Refinement,
                                                  append_refined, chain,
                                                  read_refined, refine,
                                                  refined_names, round2_labels,
                                                  run_chain, study_pairs,
                                                  study_tables)
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Seeded comparison of the four modes on the toy world.')
    parser.add_argument('--out-dir', default='work_dirs/benchmark_toy')
    parser.add_argument(
        '--study', choices=('comparison', 'refinement'), default='comparison',
        help='comparison: the methods x counts x seeds grid and its '
        'ablations; refinement: the pre-registered refinement-round study '
        '(configs/toy/README.md; its counts and seeds unless given, 48 '
        'epochs; the grid options below do not apply)')
    parser.add_argument('--methods', nargs='+', default=list(METHOD_CONFIGS),
                        choices=list(METHOD_CONFIGS))
    parser.add_argument('--labeled-counts', type=int, nargs='+',
                        help='default: 8 16 32 64 (refinement: 8 32)')
    parser.add_argument('--seeds', type=int, nargs='+',
                        help='default: 0 1 2 (refinement: 0 1 2 3 4)')
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--quality', type=float, default=0.6)
    parser.add_argument(
        '--ablation-qualities', type=float, nargs='*', default=[0.4, 0.8],
        help='other pseudo-label qualities for zsl and pseudo')
    parser.add_argument(
        '--ablation-epochs', type=int, nargs='*', default=[12],
        help='other training lengths for zsl and pseudo')
    parser.add_argument(
        '--ablation-conf-threshes', type=float, nargs='*', default=[],
        help='other confidence thresholds tau for zsl')
    parser.add_argument('--no-smoothing-ablation', action='store_true')
    parser.add_argument(
        '--scratch', action='store_true',
        help='train every run from random weights (the control) instead '
        'of the pretrained toy backbone')
    parser.add_argument(
        '--jobs', type=int, default=min(2, os.cpu_count()),
        help='runs trained at once (one CPU thread each)')
    args = parser.parse_args(argv)
    refinement = args.study == 'refinement'
    if args.labeled_counts is None:
        args.labeled_counts = list(COUNTS) if refinement else [8, 16, 32, 64]
    if args.seeds is None:
        args.seeds = list(SEEDS) if refinement else [0, 1, 2]
    return args


def segments_dir(out_dir: str, quality: float) -> str:
    """The simulator's segments of the pseudo labels of ``quality``."""
    return osp.join(out_dir, f'segments_q{quality:g}')


def prepare_world(out_dir: str, seeds: List[int], counts: List[int],
                  qualities: List[float],
                  segments: bool = False) -> Dict[float, str]:
    """World, one labeled draw per seed, pseudo labels per quality (and
    their segments, for the refinement study).

    The world is always the default one, so a benchmark can be resumed or
    extended with other seeds and labeled counts; their split files are
    added (each count's draw is independent of the others).
    """
    world = osp.join(out_dir, 'world')
    python = [sys.executable]
    subprocess.run(python + ['tools/make_toy_world.py', world,
                             '--no-progress'],
                   cwd=REPO, check=True)
    train = read_split_stems(osp.join(world, 'splits', 'train.txt'))
    val = read_split_stems(osp.join(world, 'splits', 'val.txt'))
    for seed in seeds:
        missing = [
            n for n in counts if not osp.isfile(
                osp.join(world, splits_dir(seed), str(n), 'labeled.txt'))
        ]
        if missing:
            write_split_files(world, train, val, missing, seed=seed,
                              splits_dir=splits_dir(seed))
    pseudo_dirs = {}
    for quality in qualities:
        pseudo = osp.join(out_dir, f'pseudo_labels_q{quality:g}')
        cut = segments_dir(out_dir, quality)
        if not osp.isdir(pseudo) or (segments and not osp.isdir(cut)):
            # deterministic: the labels are the same with segments or not
            subprocess.run(python + [
                'tools/simulate_pseudo_labels.py', world, pseudo,
                '--quality', str(quality), '--no-progress'
            ] + (['--write-segments', cut] if segments else []),
                           cwd=REPO, check=True)
        pseudo_dirs[quality] = pseudo
    return pseudo_dirs


def run_refinement_study(args: argparse.Namespace, out_dir: str) -> None:
    """The pre-registered refinement study (configs/toy/README.md)."""
    results_csv = osp.join(out_dir, 'results.csv')
    refined_csv = osp.join(out_dir, 'refined.csv')
    pseudo_dir = prepare_world(out_dir, args.seeds, args.labeled_counts,
                               [args.quality], segments=True)[args.quality]
    world = osp.join(out_dir, 'world')
    work_root = osp.join(out_dir, 'work_dirs')
    done = {ToyRun(**{k: row[k] for k in RUN_FIELDS}).name
            for row in read_results(results_csv)}
    done.update(refined_names(read_refined(refined_csv)))
    chains = [chain(n, s, args.quality)
              for n, s in study_pairs(args.labeled_counts, args.seeds)]
    total = sum(len(c) for c in chains)
    todo = sum(1 for c in chains for step in c if step.name not in done)
    print(f'{total} steps planned, {todo} to go', flush=True)
    lock = threading.Lock()
    start, finished = time.perf_counter(), []

    def report(name: str, what: str) -> None:
        finished.append(name)
        rate = (time.perf_counter() - start) / len(finished)
        print(f'[{len(finished)}/{todo}] {name}: {what} (eta '
              f'{rate * (todo - len(finished)) / 60:.0f} min)', flush=True)

    def train(run: ToyRun) -> None:
        labels = round2_labels(out_dir, run) or pseudo_dir
        row = train_and_test(run, world, labels, work_root, REPO)
        with lock:
            append_result(results_csv, row)
            report(run.name, f'mIoU {row["miou"]:.2f}')

    def refine_one(refinement: Refinement) -> None:
        row = refine(refinement, world, pseudo_dir,
                     segments_dir(out_dir, args.quality), work_root, out_dir,
                     REPO, len(CLASSES))
        with lock:
            append_refined(refined_csv, row)
            report(refinement.name, f'labels {row["label_miou"]:.2f} mIoU '
                   f'(zero-shot {row["zero_shot_miou"]:.2f})')

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(lambda c: run_chain(c, done.__contains__, train,
                                          refine_one), chains))
    summary = study_tables(read_results(results_csv),
                           read_refined(refined_csv), args.labeled_counts)
    with open(osp.join(out_dir, 'summary.md'), 'w') as f:
        f.write(summary)
    print(summary)


def main(argv=None) -> None:
    args = parse_args(argv)
    out_dir = osp.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    if args.study == 'refinement':
        return run_refinement_study(args, out_dir)
    results_csv = osp.join(out_dir, 'results.csv')
    runs = plan_runs(args)
    pseudo_dirs = prepare_world(out_dir, args.seeds, args.labeled_counts,
                                sorted({r.quality for r in runs}))
    world = osp.join(out_dir, 'world')
    done = {ToyRun(**{k: row[k]
                      for k in RUN_FIELDS}).name
            for row in read_results(results_csv)}
    todo = [run for run in runs if run.name not in done]
    print(f'{len(runs)} runs planned, {len(runs) - len(todo)} already in '
          f'{results_csv}, {len(todo)} to go', flush=True)
    start = time.perf_counter()
    finished = []
    lock = threading.Lock()

    def train_one(run: ToyRun) -> None:
        row = train_and_test(run, world, pseudo_dirs[run.quality],
                             osp.join(out_dir, 'work_dirs'), REPO)
        with lock:  # one writer at a time keeps the CSV whole
            append_result(results_csv, row)
            finished.append(run)
            elapsed = time.perf_counter() - start
            left = len(todo) - len(finished)
            print(f'[{len(finished)}/{len(todo)}] {run.name}: mIoU '
                  f'{row["miou"]:.2f} ({row["seconds"]:.0f} s; eta '
                  f'{elapsed / len(finished) * left / 60:.0f} min)',
                  flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(train_one, todo))
    rows = read_results(results_csv)
    summary = summary_tables(rows, args)
    with open(osp.join(out_dir, 'summary.md'), 'w') as f:
        f.write(summary)
    main_rows = [r for r in rows if is_main_row(r, args)]
    plot_miou_vs_labeled(
        main_rows, osp.join(out_dir, 'miou_vs_labeled.png'),
        f'toy world, {args.epochs} epochs, q={args.quality:g}, '
        f'{len(args.seeds)} seeds')
    print(summary)
    print(f'benchmark: {len(rows)} runs in {results_csv}; tables in '
          f'{out_dir}/summary.md')


if __name__ == '__main__':
    run_tool(main, resumable=True)
