"""Errors a user can act on end a tool with one line, and Ctrl-C says the
run can be resumed."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest

from .._images import write_noise_images

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = ['--random-init', 'tiny', '--device', 'cpu', '--no-progress',
        '--classes', 'ToyShapesDataset']


def annotate(*args, timeout=300):
    return subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'annotate.py'), *args],
        capture_output=True, text=True, timeout=timeout,
        env=dict(os.environ, OMP_NUM_THREADS='1'))


@pytest.fixture
def images(tmp_path):
    return write_noise_images(tmp_path / 'images', 3, (24, 32, 3), seed=0,
                              pattern='im{}.png')


def assert_one_line(result, status, *fragments):
    assert result.returncode == status, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'Traceback' not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.e2e
def test_expected_errors_are_one_line(images, tmp_path):
    out = str(tmp_path / 'out')
    assert_one_line(annotate('/no/such/dir', out, '--threshold', '0.2',
                             *TINY), 1, "'/no/such/dir' does not exist")
    assert_one_line(annotate(images, out, '--threshold', '0.2',
                             '--points-per-side', '0', *TINY), 1,
                    'points_per_side (--points-per-side) must be an integer')
    assert_one_line(annotate(images, out, '--threshold', 'nan', *TINY), 2,
                    'finite numbers')
    bad = tmp_path / 'thresholds.json'
    bad.write_text('{"cat": 0.2,')
    assert_one_line(annotate(images, out, '--threshold', str(bad), *TINY), 2,
                    'is not valid JSON: Expecting property name')
    assert not osp.exists(out)
    assert annotate(images, out, '--threshold', '0.2',
                    *TINY).returncode == 0
    assert_one_line(annotate(images, out, '--threshold', '0.2',
                             '--gem-depth', '3', *TINY), 1,
                    'gem.gem_depth: 7 there, 3 now')
    with open(osp.join(out, 'manifest.json')) as file:
        assert 'NaN' not in file.read()


@pytest.mark.e2e
def test_ctrl_c_says_the_run_resumes(tmp_path):
    folder = write_noise_images(tmp_path / 'images', 60, (48, 64, 3), seed=1,
                                pattern='im{:02d}.png')
    out = tmp_path / 'out'
    process = subprocess.Popen(
        [sys.executable, osp.join(ROOT, 'tools', 'annotate.py'),
         str(folder), str(out), '--threshold', '0.2', *TINY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    deadline = time.time() + 240
    while not (out / 'labels').is_dir() or not os.listdir(out / 'labels'):
        assert process.poll() is None and time.time() < deadline
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == (
        'annotate.py: interrupted; run the same command again to resume')
    done = len(os.listdir(out / 'labels'))
    assert 0 < done < 60
    again = annotate(str(folder), str(out), '--threshold', '0.2', *TINY)
    assert f'{done} skipped' in again.stdout and again.returncode == 0
