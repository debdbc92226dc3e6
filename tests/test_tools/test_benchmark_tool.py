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
