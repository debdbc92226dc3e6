"""The toy-world comparison: run settings, config overrides, results."""
import os.path as osp
import subprocess
import sys
from argparse import Namespace

import pytest
from mmengine.config import Config

from mmseg_zsl.toy_world.benchmark import (FIELDS, append_result, plan_runs,
                                           read_results, summary_tables)
from mmseg_zsl.toy_world.experiment import (METHOD_CONFIGS, USES_PSEUDO_LABELS,
                                            ToyRun, cfg_options, parse_miou)
from mmseg_zsl.toy_world.plots import mean_and_spread

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _lookup(cfg, dotted: str):
    node = cfg
    for part in dotted.split('.'):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@pytest.mark.parametrize('method', list(METHOD_CONFIGS))
def test_cfg_options_override_existing_keys(method, tmp_path):
    # A misspelt key would silently add a new entry: every override must
    # name a key the toy config already has, and land there (semi_train_cfg
    # keys are checked by the segmentor, which rejects unknown ones).
    run = ToyRun(method, 16, seed=2, epochs=3, smoothing=0.0, conf_thresh=0.9,
                 pretrained=False)
    options = cfg_options(run, '/w', str(tmp_path / 'pl'))
    cfg = Config.fromfile(osp.join(ROOT, METHOD_CONFIGS[method]))
    overrides = dict(option.split('=', 1) for option in options)
    for key in overrides:
        if not key.startswith('model.semi_train_cfg.'):
            _lookup(cfg, key)  # raises KeyError if the key is new
    cfg.merge_from_dict(overrides)
    labeled = cfg.train_dataloader.dataset.labeled
    assert labeled.ann_file == 'splits_seed2/16/labeled.txt'
    assert labeled.data_root == '/w'
    assert str(cfg.param_scheduler[0].end) == '3'
    assert str(cfg.train_cfg.max_epochs) == '3'
    assert str(cfg.model.semi_train_cfg.conf_thresh) == '0.9'
    assert str(cfg.model.segmentor.backbone.init_cfg) == 'None'
    pseudo_dir = cfg.train_dataloader.dataset.unlabeled.pseudo_label_dir
    if method in USES_PSEUDO_LABELS:
        assert pseudo_dir == str(tmp_path / 'pl')
    else:
        assert pseudo_dir is None


def test_run_names_are_distinct_and_methods_checked():
    names = {
        ToyRun('zsl', 8).name,
        ToyRun('zsl', 8, smoothing=0.0).name,
        ToyRun('zsl', 8, quality=0.4).name,
        ToyRun('zsl', 8, epochs=12).name,
        ToyRun('zsl', 8, seed=1).name,
        ToyRun('zsl', 8, conf_thresh=0.95).name,
        ToyRun('pseudo', 8).name,
        ToyRun('pseudo', 8, pretrained=False).name,
        ToyRun('pseudo', 8, refined_from='zsl').name,
        ToyRun('pseudo', 8, refined_from='zsl', segments=True).name,
        ToyRun('pseudo', 8, refined_from='pseudo').name,
        ToyRun('zsl', 8, enhance_after=2).name,
    }
    assert len(names) == 12
    # the names of earlier runs (and their work dirs) are unchanged
    assert ToyRun('zsl', 8, epochs=24).name == 'zsl_n8_s0_e24_q0.6'
    with pytest.raises(ValueError, match='method must be one of'):
        ToyRun('fixmatch', 8)
    with pytest.raises(ValueError, match='segments=True needs refined_from'):
        ToyRun('pseudo', 8, segments=True)


def test_enhance_after_is_given_in_epochs_of_the_split(small_world):
    """24 unlabeled-set passes at 4 labeled of 24: 20 unlabeled images, 4
    per batch -> 5 iterations per epoch."""
    options = cfg_options(ToyRun('zsl', 4, enhance_after=3),
                          str(small_world), 'pseudo')
    assert 'model.semi_train_cfg.enhance_after=15' in options


def test_parse_miou_reads_the_last_evaluation():
    log = ('... Epoch(val) [1][10/10] aAcc: 90.1000  mIoU: 14.8200  mAcc: 1\n'
           '... Iter(test) [8/8]    aAcc: 93.0000  mIoU: 41.5000  mAcc: 2\n')
    assert parse_miou(log) == 41.5
    with pytest.raises(RuntimeError, match='no mIoU'):
        parse_miou('training crashed')


def test_plan_covers_grid_and_ablations():
    args = Namespace(
        methods=list(METHOD_CONFIGS),
        labeled_counts=[8, 16, 32, 64],
        seeds=[0, 1, 2],
        epochs=4,
        quality=0.6,
        ablation_qualities=[0.4, 0.8],
        ablation_epochs=[12],
        ablation_conf_threshes=[0.95],
        no_smoothing_ablation=False,
        scratch=False)
    runs = plan_runs(args)
    # 6 methods x 4 counts x 3 seeds, then per seed at n=8: smoothing off
    # (1) + 2 qualities x {pseudo, zsl} (4) + one tau for zsl (1) + 1 length
    # x {pseudo, zsl} (2).
    assert len(runs) == 6 * 4 * 3 + 3 * (1 + 4 + 1 + 2)
    assert len({run.name for run in runs}) == len(runs)
    ablations = runs[72:]
    assert all(run.labeled == 8 for run in ablations)
    assert all(run.pretrained for run in runs)
    args.scratch = True
    assert not any(run.pretrained for run in plan_runs(args))


def test_results_survive_a_round_trip(tmp_path):
    path = str(tmp_path / 'results.csv')
    rows = [
        dict(ToyRun('zsl', 8, smoothing=0.0).as_row(), miou=50.0, seconds=1),
        dict(ToyRun('zsl', 8, seed=1).as_row(), miou=52.5, seconds=2),
    ]
    for row in rows:
        append_result(path, row)
    back = read_results(path)
    assert [r['smoothing'] for r in back] == [0.0, None]
    assert [r['miou'] for r in back] == [50.0, 52.5]
    assert [r['conf_thresh'] for r in back] == [None, None]
    assert ToyRun(**{k: back[1][k] for k in ToyRun.__dataclass_fields__
                     }).name == ToyRun('zsl', 8, seed=1).name


def test_older_csv_without_tau_is_read_and_rewritten(tmp_path):
    path = tmp_path / 'results.csv'
    path.write_text('method,labeled,seed,epochs,smoothing,quality,miou,'
                    'seconds\nzsl,8,0,24,,0.6,17.5,510.0\n')
    assert read_results(str(path))[0]['conf_thresh'] is None
    tau_run = ToyRun('zsl', 8, epochs=24, conf_thresh=0.95)
    assert tau_run.name == 'zsl_tau0.95_n8_s0_e24_q0.6'
    append_result(str(path), dict(tau_run.as_row(), miou=18.0, seconds=1))
    lines = path.read_text().splitlines()
    assert lines[0].split(',') == list(FIELDS)
    # rows written before the pretrained backbone existed trained from
    # scratch
    # (and no refinement-study settings)
    assert lines[1] == 'zsl,8,0,24,,0.6,,False,,False,,17.5,510.0'
    back = read_results(str(path))
    assert [r['conf_thresh'] for r in back] == [None, 0.95]
    assert [r['pretrained'] for r in back] == [False, True]


def test_mean_and_spread_and_table():
    rows = [
        dict(ToyRun('zsl', 8, seed=s).as_row(), miou=m)
        for s, m in enumerate((50.0, 52.0, 54.0))
    ] + [dict(ToyRun('unimatch', 8).as_row(), miou=40.0)]
    stats = mean_and_spread(rows, ('method', 'labeled'))
    # mean 52, sample std sqrt(((-2)^2 + 0 + 2^2) / 2) = 2
    assert stats[('zsl', 8)] == pytest.approx((52.0, 2.0, 3))
    assert stats[('unimatch', 8)] == (40.0, 0.0, 1)
    args = Namespace(epochs=4, quality=0.6, scratch=False)
    table = summary_tables(rows, args)
    assert '| zsl | 52.00 ± 2.00 (3) |' in table
    assert '| unimatch | 40.00 ± 0.00 (1) |' in table


@pytest.mark.e2e
def test_demo_runs_end_to_end_on_a_small_world(tmp_path):
    out = tmp_path / 'demo'
    result = subprocess.run([
        sys.executable, 'tools/run_demo.py', '--out-dir', str(out),
        '--num-train', '24', '--num-val', '6', '--labeled-counts', '8',
        '--methods', 'supervised', 'zsl', '--epochs', '1',
        '--annotate-images', '1', '--num-figure-images', '2'
    ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=900)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-3000:])
    rows = read_results(str(out / 'results.csv'))
    assert [row['method'] for row in rows] == ['supervised', 'zsl']
    assert all(0.0 <= row['miou'] <= 100.0 for row in rows)
    assert (out / 'predictions.png').stat().st_size > 0
    assert not (out / 'miou_vs_labeled.png').exists()  # one labeled count
    assert (out / 'zero_shot_untrained' / 'manifest.json').is_file()
    assert 'UNTRAINED' in result.stdout
