"""tools/benchmark_toy.py: parallel runs, an interrupted benchmark resumes.

Training is replaced by a stub (the real runs are covered by the demo's
end-to-end test); what is checked is the bookkeeping around it.
"""
import importlib.util
import os.path as osp
import threading
import time

import pytest

from mmseg_zsl.toy_world.benchmark import read_results

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_toy', osp.join(ROOT, 'tools', 'benchmark_toy.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parallel_runs_and_resume_after_a_failure(tmp_path, monkeypatch):
    tool = _load_tool()
    monkeypatch.setattr(tool, 'prepare_world',
                        lambda out, *a: {0.6: osp.join(out, 'pseudo')})
    monkeypatch.setattr(tool, 'plot_miou_vs_labeled', lambda *a: None)
    trained, running, peak = [], [0], [0]
    lock = threading.Lock()

    def fake_train(run, world, pseudo_dir, work_root, repo):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
            trained.append(run.name)
        if run.name == 'zsl_n8_s1_e2_q0.6' and fail[0]:
            raise RuntimeError('interrupted')
        return dict(run.as_row(), miou=10.0 * run.seed, seconds=0.1)

    monkeypatch.setattr(tool, 'train_and_test', fake_train)
    args = [
        '--out-dir', str(tmp_path), '--methods', 'pseudo', 'zsl',
        '--labeled-counts', '8', '--seeds', '0', '1', '--epochs', '2',
        '--ablation-qualities', '--ablation-epochs', '--jobs', '2'
    ]
    fail = [True]
    with pytest.raises(RuntimeError, match='interrupted'):
        tool.main(args)
    # 4 main runs + 2 smoothing ablations; all but the failed one recorded.
    assert len(trained) == 6 and peak[0] == 2
    done = [r['method'] + str(r['seed']) for r in read_results(
        str(tmp_path / 'results.csv'))]
    assert sorted(done) == ['pseudo0', 'pseudo1', 'zsl0', 'zsl0', 'zsl1']

    fail[0] = False
    trained.clear()
    tool.main(args)
    assert trained == ['zsl_n8_s1_e2_q0.6']
    rows = read_results(str(tmp_path / 'results.csv'))
    assert len(rows) == 6
    summary = (tmp_path / 'summary.md').read_text()
    assert '| zsl | 5.00 ± 7.07 (2) |' in summary


def test_refinement_study_order_labels_and_resume(tmp_path, monkeypatch):
    """Each pair's chain in the pre-registered order, round 2 on its own
    refined labels, two chains at once, resume after a failure."""
    tool = _load_tool()
    monkeypatch.setattr(
        tool, 'prepare_world',
        lambda out, *a, **k: {0.6: osp.join(out, 'pseudo_labels_q0.6')})
    steps, lock, fail = {}, threading.Lock(), [True]

    def fake_train(run, world, labels, work_root, repo):
        with lock:
            steps.setdefault((run.labeled, run.seed), []).append(
                (run.name, osp.basename(osp.dirname(labels))
                 if run.refined_from else osp.basename(labels)))
        if run.name == 'zsl_ea24_n32_s0_e48_q0.6' and fail[0]:
            raise RuntimeError('interrupted')
        # round 2 from zsl with segments is 3 points better than the rest
        bonus = 3.0 if run.refined_from == 'zsl' and run.segments else 0.0
        return dict(run.as_row(), miou=60.0 + run.seed + bonus, seconds=1)

    def fake_refine(refinement, world, pseudo, segments, work_root, out,
                    repo, num_classes):
        with lock:
            steps.setdefault((refinement.round1.labeled,
                              refinement.round1.seed), []).append(
                                  ('refine ' + refinement.name, None))
        return dict(round1=refinement.round1.name,
                    round1_method=refinement.round1.method,
                    labeled=refinement.round1.labeled,
                    seed=refinement.round1.seed,
                    segments=refinement.segments, label_miou=70.0,
                    zero_shot_miou=59.0, changed_percent=4.0, seconds=1)

    monkeypatch.setattr(tool, 'train_and_test', fake_train)
    monkeypatch.setattr(tool, 'refine', fake_refine)
    args = ['--study', 'refinement', '--out-dir', str(tmp_path),
            '--seeds', '0', '1', '--jobs', '2']
    with pytest.raises(RuntimeError, match='interrupted'):
        tool.main(args)
    chain = steps[(8, 0)]
    assert [name for name, _ in chain] == [
        'pseudo_n8_s0_e24_q0.6', 'zsl_n8_s0_e24_q0.6',
        'refine pseudo_n8_s0_e24_q0.6', 'pseudo_r2pseudo_n8_s0_e24_q0.6',
        'refine pseudo_n8_s0_e24_q0.6_seg',
        'pseudo_r2pseudo_seg_n8_s0_e24_q0.6', 'refine zsl_n8_s0_e24_q0.6',
        'pseudo_r2zsl_n8_s0_e24_q0.6', 'refine zsl_n8_s0_e24_q0.6_seg',
        'pseudo_r2zsl_seg_n8_s0_e24_q0.6', 'pseudo_n8_s0_e48_q0.6',
        'zsl_n8_s0_e48_q0.6', 'zsl_ea24_n8_s0_e48_q0.6'
    ]
    # round 2 trains on the labels its own refinement wrote
    assert dict(chain)['pseudo_r2zsl_seg_n8_s0_e24_q0.6'] == \
        'zsl_n8_s0_e24_q0.6_seg'
    assert dict(chain)['pseudo_n8_s0_e48_q0.6'] == 'pseudo_labels_q0.6'
    steps.clear()
    fail[0] = False
    tool.main(args)
    # the other chains went on after the failure: only the failed run is
    # left for the rerun
    assert steps == {(32, 0): [('zsl_ea24_n32_s0_e48_q0.6',
                                'pseudo_labels_q0.6')]}
    summary = (tmp_path / 'summary.md').read_text()
    # seeds 0 and 1: 60 / 61 (std 0.71); round 2 from zsl with segments
    # 63 / 64: +3.00 against both baselines, beyond the spread
    assert '| `pseudo` 48 | 60.50 ± 0.71 (2) <br> 60.00 / 61.00 |' in summary
    assert ('| round 2 from `zsl`, segments | +3.00 vs 0.71: **yes** | '
            '+3.00 vs 0.71: **yes** | +3.00 vs 0.71: **yes** | '
            '+3.00 vs 0.71: **yes** |') in summary
    assert '| round 2 from `pseudo` | +0.00 vs 0.71: no |' in summary
    # one zero-shot score per labeled set, not one per refinement
    assert '| zero-shot (simulated, q 0.6) | 59.00 ± 0.00 (2) |' in summary
