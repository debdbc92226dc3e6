"""The seeded toy-world comparison: which runs, their results, the tables.

``tools/benchmark_toy.py`` is the CLI; this module plans the runs (main grid
plus ablations at the smallest labeled count), keeps the results in a CSV
that survives interruption, and summarises them as mean ± sample std.
"""
import csv
import io
import os
import os.path as osp
from argparse import Namespace
from typing import Dict, List

from mmseg_zsl.utils.files import atomic_write_text
from .experiment import METHOD_CONFIGS, ToyRun
from .plots import mean_and_spread

#: The settings of a run (:class:`ToyRun`), then its results.
RUN_FIELDS = ('method', 'labeled', 'seed', 'epochs', 'smoothing', 'quality',
              'conf_thresh', 'pretrained', 'refined_from', 'segments',
              'enhance_after')
FIELDS = RUN_FIELDS + ('miou', 'seconds')


def plan_runs(args: Namespace) -> List[ToyRun]:
    """Main grid first, then the ablations at the smallest labeled count."""
    pretrained = not args.scratch
    runs = [
        ToyRun(m, n, s, args.epochs, None, args.quality, None, pretrained)
        for n in args.labeled_counts for s in args.seeds
        for m in args.methods
    ]
    smallest = min(args.labeled_counts)
    for s in args.seeds:
        if not args.no_smoothing_ablation:
            runs.append(
                ToyRun('zsl', smallest, s, args.epochs, 0.0, args.quality,
                       None, pretrained))
        for q in args.ablation_qualities:
            runs += [
                ToyRun(m, smallest, s, args.epochs, None, q, None,
                       pretrained) for m in ('pseudo', 'zsl')
            ]
        runs += [
            ToyRun('zsl', smallest, s, args.epochs, None, args.quality, tau,
                   pretrained) for tau in args.ablation_conf_threshes
        ]
        for e in args.ablation_epochs:
            runs += [
                ToyRun(m, smallest, s, e, None, args.quality, None,
                       pretrained) for m in ('pseudo', 'zsl')
            ]
    return runs


def read_results(path: str) -> List[Dict]:
    if not osp.isfile(path):
        return []
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key in ('labeled', 'seed', 'epochs'):
            row[key] = int(row[key])
        for key in ('quality', 'miou', 'seconds'):
            row[key] = float(row[key])
        # conf_thresh: absent from CSVs written before it existed
        for key in ('smoothing', 'conf_thresh'):
            value = row.get(key)
            row[key] = None if value in (None, '', 'None') else float(value)
        # pretrained: absent from CSVs written before the pretrained
        # backbone, whose runs all trained from scratch
        row['pretrained'] = row.get('pretrained') == 'True'
        # the refinement study's fields: absent from older CSVs
        row['refined_from'] = row.get('refined_from') or None
        row['segments'] = row.get('segments') == 'True'
        value = row.get('enhance_after')
        row['enhance_after'] = None if value in (None, '', 'None') else int(
            value)
    return rows


def append_result(path: str, row: Dict) -> None:
    if osp.isfile(path):
        with open(path, newline='') as f:
            header = next(csv.reader(f), [])
        if tuple(header) == FIELDS:  # append the one row
            with open(path, 'a', newline='') as f:
                csv.DictWriter(f, fieldnames=FIELDS,
                               extrasaction='ignore').writerow(row)
                f.flush()
                os.fsync(f.fileno())
            return
    # a new CSV, or an older one rewritten with the new columns
    rows = read_results(path) + [row]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, extrasaction='ignore')
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, text.getvalue())


def is_main_row(row: Dict, args: Namespace) -> bool:
    """A run of the main grid: no ablation changed its settings."""
    return (row['epochs'] == args.epochs and row['smoothing'] is None
            and row['quality'] == args.quality
            and row['conf_thresh'] is None
            and row['pretrained'] != args.scratch
            and row['refined_from'] is None
            and row['enhance_after'] is None)


def summary_tables(rows: List[Dict], args: Namespace) -> str:
    """Markdown tables: mean ± std (n runs) per setting."""
    def cell(stats) -> str:
        mean, std, n = stats
        return f'{mean:.2f} ± {std:.2f} ({n})'

    main = mean_and_spread([r for r in rows if is_main_row(r, args)],
                           ('method', 'labeled'))
    counts = sorted({n for _, n in main})
    lines = [
        f'## mIoU (%) on val, {args.epochs} epochs, pseudo-label quality '
        f'{args.quality:g}, {"scratch" if args.scratch else "pretrained"} '
        'backbone: mean ± sample std (runs)', '',
        '| method | ' + ' | '.join(f'n={n}' for n in counts) + ' |',
        '|---' * (len(counts) + 1) + '|'
    ]
    for method in [m for m in METHOD_CONFIGS if any(k[0] == m for k in main)]:
        lines.append(f'| {method} | ' + ' | '.join(
            cell(main[(method, n)]) if (method, n) in main else '-'
            for n in counts) + ' |')
    # the refinement study's runs have their own tables
    # (refinement_study.study_tables)
    ablation = mean_and_spread(
        [r for r in rows
         if r['refined_from'] is None and r['enhance_after'] is None],
        ('method', 'labeled', 'epochs', 'smoothing', 'quality',
         'conf_thresh', 'pretrained'))
    lines += [
        '', '## All settings', '',
        '| method | labeled | epochs | smoothing | quality | tau | backbone '
        '| mIoU |', '|---|---|---|---|---|---|---|---|'
    ]
    for key in sorted(ablation, key=str):
        method, n, epochs, smoothing, quality, tau, pretrained = key
        smoothing = 'config' if smoothing is None else f'{smoothing:g}'
        tau = 'config' if tau is None else f'{tau:g}'
        init = 'pretrained' if pretrained else 'scratch'
        lines.append(f'| {method} | {n} | {epochs} | {smoothing} | '
                     f'{quality:g} | {tau} | {init} | '
                     f'{cell(ablation[key])} |')
    return '\n'.join(lines) + '\n'
