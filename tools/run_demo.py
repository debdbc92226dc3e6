"""The whole mmseg_zsl workflow on the synthetic toy world, on a CPU.

1. generate the world (tools/make_toy_world.py);
2. run the zero-shot annotation (tools/annotate.py) on a few images with
   small UNTRAINED SAM and CLIP models, to show the step and its outputs
   (no weights can be downloaded; those labels are meaningless);
3. simulate zero-shot pseudo labels of a realistic quality from the ground
   truth (tools/simulate_pseudo_labels.py) and score them
   (tools/eval_pseudo_labels.py);
4. train supervised, pseudo, unimatch and zsl with the same config and budget
   (tools/train.py), from the backbone pretrained on the toy world's
   "ImageNet" (configs/toy/pretrained/), and evaluate them (tools/test.py);
5. print the mIoU table and save a figure of predictions (and, for two or
   more labeled counts, a plot of mIoU against the count).

Example::

    python tools/run_demo.py --out-dir demo_out
"""
import argparse
import csv
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

import mmseg_zsl  # noqa: F401  (compat patches first)
from mmseg_zsl.toy_world import read_label_png, read_split_stems
from mmseg_zsl.toy_world.experiment import (METHOD_CONFIGS, ToyRun,
                                            train_and_test)
from mmseg_zsl.toy_world.plots import (plot_miou_vs_labeled,
                                       plot_prediction_grid)
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool

METHODS = ('supervised', 'pseudo', 'unimatch', 'zsl')


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Run the whole workflow on the toy world (CPU, minutes).')
    parser.add_argument('--out-dir', default='demo_out')
    parser.add_argument(
        '--labeled-counts', type=int, nargs='+', default=[8],
        help='labeled split sizes to train (each must be in the world); '
        'two or more also plot mIoU against the count')
    parser.add_argument(
        '--methods', nargs='+', default=list(METHODS),
        choices=list(METHOD_CONFIGS))
    parser.add_argument('--epochs', type=int, default=12,
                        help='passes over the unlabeled set per run')
    parser.add_argument('--jobs', type=int, default=min(2, os.cpu_count()),
                        help='runs trained in parallel (one core each)')
    parser.add_argument('--quality', type=float, default=0.6,
                        help='quality knob of the simulated pseudo labels')
    parser.add_argument('--annotate-images', type=int, default=6,
                        help='images annotated with the untrained models')
    parser.add_argument('--num-figure-images', type=int, default=4)
    parser.add_argument('--num-train', type=int,
                        help='world training images (default: the world\'s)')
    parser.add_argument('--num-val', type=int,
                        help='world validation images (default: the world\'s)')
    return parser.parse_args(argv)


def step(title: str) -> None:
    print(f'\n=== {title}', flush=True)


def run_script(*args: str) -> str:
    """Run a tool of this repository; echo and return its stdout."""
    print('$ python ' + ' '.join(args), flush=True)
    result = subprocess.run([sys.executable] + list(args),
                            cwd=REPO,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f'{args[0]} failed (exit {result.returncode})')
    return result.stdout


def last_lines(text: str, count: int) -> str:
    return '\n'.join(text.strip().splitlines()[-count:])


def annotate_untrained(world: str, out_dir: str, num_images: int) -> None:
    """tools/annotate.py on a few images with untrained tiny models."""
    stems = read_split_stems(osp.join(world, 'splits', 'train.txt'))
    split = osp.join(out_dir, 'annotate_split.txt')
    with open(split, 'w') as f:
        f.writelines(f'images/{s}.png masks/{s}.png\n'
                     for s in stems[:num_images])
    annotation = osp.join(out_dir, 'zero_shot_untrained')
    # Random weights predict random IoU/stability scores: SAM's filters are
    # switched off so the step has segments to label.
    text = run_script('tools/annotate.py', split, annotation, '--data-root',
                      world, '--classes', 'ToyShapesDataset', '--threshold',
                      '0.0', '--random-init', 'tiny', '--points-per-side', '8',
                      '--pred-iou-thresh', '0', '--stability-score-thresh',
                      '0', '--no-progress')
    print(last_lines(text, 3))
    print(f'outputs: {annotation}/labels/*.png, cache/*.npz, manifest.json '
          '(UNTRAINED models: these labels are meaningless)')


def simulate_and_score(world: str, out_dir: str, quality: float,
                       seed: int) -> str:
    """Simulated pseudo labels of the training images, and their mIoU."""
    pseudo = osp.join(out_dir, f'pseudo_labels_q{quality:g}')
    run_script('tools/simulate_pseudo_labels.py', world, pseudo, '--quality',
               str(quality), '--seed', str(seed), '--no-progress')
    text = run_script('tools/eval_pseudo_labels.py', pseudo,
                      osp.join(world, 'masks'), '--classes',
                      'ToyShapesDataset')
    print(last_lines(text, 8))
    return pseudo


def save_figure(world: str, out_dir: str, results, quality: float,
                num_images: int) -> str:
    """Image, GT, a pseudo label and each method's prediction."""
    smallest = min(row['labeled'] for row in results)
    runs = [row for row in results if row['labeled'] == smallest]
    val_stems = read_split_stems(osp.join(world, 'splits', 'val.txt'))
    stems = val_stems[:num_images]
    # Val images get pseudo labels of the same quality, for display only.
    shown = osp.join(out_dir, 'figure_pseudo_labels')
    split = osp.join(out_dir, 'figure_split.txt')
    with open(split, 'w') as f:
        f.writelines(f'images/{s}.png masks/{s}.png\n' for s in stems)
    run_script('tools/simulate_pseudo_labels.py', world, shown, '--quality',
               str(quality), '--split-file', split, '--no-progress')
    from PIL import Image
    rows = []
    for stem in stems:
        image = np.asarray(
            Image.open(osp.join(world, 'images', stem + '.png')).convert(
                'RGB'))
        labels = [
            read_label_png(osp.join(world, 'masks', stem + '.png')),
            read_label_png(osp.join(shown, stem + '.png'))
        ] + [
            read_label_png(osp.join(row['pred_dir'], stem + '.png'))
            for row in runs
        ]
        rows.append((image, labels))
    titles = ['image', 'ground truth', f'pseudo (q={quality:g})'] + [
        f'{row["method"]} (n={smallest})' for row in runs
    ]
    path = osp.join(out_dir, 'predictions.png')
    plot_prediction_grid(rows, titles, path)
    return path


def main(argv=None) -> None:
    args = parse_args(argv)
    start = time.perf_counter()
    out_dir = osp.abspath(args.out_dir)
    world = osp.join(out_dir, 'world')
    os.makedirs(out_dir, exist_ok=True)

    step('1/5 toy world')
    counts = set(args.labeled_counts)
    if args.num_train is None and args.num_val is None:
        # the splits of earlier demos (8 and 32), so that their world is
        # still up to date
        counts |= {8, 32}
    world_args = ['--labeled-counts'] + [str(n) for n in sorted(counts)]
    for flag, value in (('--num-train', args.num_train),
                        ('--num-val', args.num_val)):
        if value is not None:
            world_args += [flag, str(value)]
    print(last_lines(run_script('tools/make_toy_world.py', world,
                                '--no-progress', *world_args), 1))
    step('2/5 zero-shot annotation with UNTRAINED tiny SAM + CLIP')
    annotate_untrained(world, out_dir, args.annotate_images)
    step(f'3/5 simulated zero-shot pseudo labels (quality {args.quality})')
    pseudo = simulate_and_score(world, out_dir, args.quality, seed=0)

    step('4/5 training and testing '
         f'{len(args.methods) * len(args.labeled_counts)} runs')
    runs = [
        ToyRun(method, labeled, epochs=args.epochs, quality=args.quality)
        for labeled in args.labeled_counts for method in args.methods
    ]

    def train_one(run: ToyRun) -> dict:
        pred_dir = osp.join(out_dir, 'predictions', run.name)
        row = train_and_test(run, world, pseudo,
                             osp.join(out_dir, 'work_dirs'), REPO, pred_dir)
        print(f'{run.method:>10} n={run.labeled:<3} mIoU {row["miou"]:6.2f} '
              f'({row["seconds"]:.0f} s)', flush=True)
        return dict(row, pred_dir=pred_dir)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(train_one, runs))

    step('5/5 results')
    header = 'method      ' + ''.join(f'  n={n:<5}'
                                      for n in args.labeled_counts)
    print(header)
    for method in args.methods:
        cells = [
            f'{row["miou"]:8.2f}' for n in args.labeled_counts
            for row in results
            if row['method'] == method and row['labeled'] == n
        ]
        print(f'{method:<12}' + ''.join(cells))
    with open(osp.join(out_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(results[0]))
        writer.writeheader()
        writer.writerows(results)
    figures = [
        save_figure(world, out_dir, results, args.quality,
                    args.num_figure_images)
    ]
    if len(args.labeled_counts) > 1:
        figures.append(osp.join(out_dir, 'miou_vs_labeled.png'))
        plot_miou_vs_labeled(
            results, figures[-1], f'toy world, {args.epochs} epochs, pseudo '
            f'labels q={args.quality:g} (one seed)')
    print(f'\nfigures: {", ".join(figures)}; table: {out_dir}/results.csv')
    print('One seed of tiny models (backbone pretrained on the toy world\'s '
          '"ImageNet", configs/toy/pretrained/) trained for a few epochs on '
          'a synthetic world: predicting background everywhere scores 14.82;'
          ' the seeded comparison with its spreads is in '
          'configs/toy/README.md (tools/benchmark_toy.py).')
    print(f'demo finished in {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    run_tool(main)
