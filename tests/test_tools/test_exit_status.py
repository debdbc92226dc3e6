"""The tools without per-item failures exit with the documented "could not
start" status and one line (docs/annotation.md, "Exit status")."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from mmseg_zsl.utils.tool_exit import EXIT_BAD_ARGUMENTS, EXIT_COULD_NOT_START

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MISSING = '/no/such/path'
CONFIG = osp.join(ROOT, 'configs', 'toy', 'zsl_toy.py')


@pytest.mark.e2e
@pytest.mark.parametrize('tool, args', [
    ('eval_pseudo_labels', [MISSING, MISSING, '--num-classes', '2']),
    ('coco_to_masks', [MISSING + '.json', '{out}']),
    ('make_splits', ['--train-list', MISSING, '--out-dir', '{out}',
                     '--num-labeled', '1']),
])
def test_missing_input_could_not_start(tool, args, tmp_path):
    args = [a.format(out=tmp_path / 'out') for a in args]
    result = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', tool + '.py'), *args],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == EXIT_COULD_NOT_START, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in result.stderr, \
        result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize('script, args, status', [
    ('dist_train.sh', [MISSING + '.py', '2'], EXIT_COULD_NOT_START),
    ('dist_test.sh', [MISSING + '.py', MISSING + '.pth', '2'],
     EXIT_COULD_NOT_START),
    ('dist_train.sh', [CONFIG, '2', '--no-such-option'], EXIT_BAD_ARGUMENTS),
    ('dist_test.sh', [CONFIG, MISSING + '.pth', '2', '--no-such-option'],
     EXIT_BAD_ARGUMENTS),
])
def test_dist_scripts_exit_with_the_tools_status(script, args, status):
    """The ranks' status is the script's (tools/torchrun.sh): torchrun
    alone exits with 1 whatever went wrong, also for a bad option."""
    from .test_annotate_tool import free_port
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               OMP_NUM_THREADS='1')
    result = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', script), *args],
        env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == status, result.stderr[-2000:]
