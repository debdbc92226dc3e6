"""Errors a user can act on end a tool with one line, and Ctrl-C says the
run can be resumed."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest

from mmseg_zsl.utils.tool_exit import EXIT_FAILURES
from .._images import write_noise_images
from .test_annotate_tool import free_port

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
        env=dict(os.environ, OMP_NUM_THREADS='1'),
        # A suite started in the background (`make test &`) inherits an
        # ignored SIGINT, and Python then installs no Ctrl-C handler.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
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


def failures_of(out):
    with open(osp.join(out, 'failures.json')) as file:
        listed = json.load(file)
    with open(osp.join(out, 'manifest.json')) as file:
        assert json.load(file)['failures']['items'] == listed['items']
    return {osp.basename(item['path']): item['reason']
            for item in listed['items']}


@pytest.mark.e2e
def test_wrong_data_root_exits_with_the_failures_status(images, tmp_path):
    """Before: '0 done, 0 skipped, 3 failed of 3 images' and status 0."""
    split = tmp_path / 'split.txt'
    split.write_text(''.join(f'im{i}.png im{i}.png\n' for i in range(3)))
    out = str(tmp_path / 'out')
    args = [str(split), out, '--data-root', str(tmp_path / 'wrong'),
            '--threshold', '0.2', *TINY]
    result = annotate(*args)
    assert result.returncode == EXIT_FAILURES == 3, result.stderr
    assert '0 done, 0 skipped (already done), 3 failed' in result.stdout
    failed = failures_of(out)
    assert sorted(failed) == ['im0.png', 'im1.png', 'im2.png']
    assert all('No such file' in reason for reason in failed.values())
    assert f'in {osp.join(out, "failures.json")}' in result.stderr
    assert 'every image failed: this looks like a wrong path' in \
        result.stderr
    assert 'Traceback' not in result.stderr
    allowed = annotate(*args, '--allow-failures')
    assert allowed.returncode == 0, allowed.stderr
    assert 'wrong path' in allowed.stderr


@pytest.mark.e2e
def test_one_unreadable_image_fails_the_run_not_the_others(images, tmp_path):
    bad = osp.join(images, 'im9.png')
    with open(bad, 'wb') as file:
        file.write(b'not a png')
    out = str(tmp_path / 'out')
    result = annotate(images, out, '--threshold', '0.2', *TINY)
    assert result.returncode == EXIT_FAILURES, result.stderr
    assert '3 done, 0 skipped (already done), 1 failed' in result.stdout
    assert sorted(os.listdir(osp.join(out, 'labels'))) == [
        'im0.png', 'im1.png', 'im2.png']
    failed = failures_of(out)
    assert list(failed) == ['im9.png']
    assert failed['im9.png'].startswith('cannot decode image')
    assert 'wrong path' not in result.stderr
    relabel = annotate(images, out, '--threshold', '0.2', '--relabel', *TINY)
    assert relabel.returncode == EXIT_FAILURES, relabel.stderr
    assert list(failures_of(out)) == ['im9']  # relabel names the stem
    # once the image is fixed (here: removed), no stale list stays behind
    os.remove(bad)
    again = annotate(images, out, '--threshold', '0.2', *TINY)
    assert again.returncode == 0, again.stderr
    assert not osp.exists(osp.join(out, 'failures.json'))
    with open(osp.join(out, 'manifest.json')) as file:
        assert 'failures' not in json.load(file)


@pytest.mark.e2e
def test_dist_annotate_exits_with_the_failures_status(images, tmp_path):
    """One rank's image fails: every rank exits 3 and the script too
    (torchrun alone exits 1)."""
    with open(osp.join(images, 'im9.png'), 'wb') as file:
        file.write(b'not a png')  # rank 1's second image
    out = str(tmp_path / 'out')
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               OMP_NUM_THREADS='1')
    result = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_annotate.sh'), images, '2',
         out, '--threshold', '0.2', *TINY],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == EXIT_FAILURES, result.stderr[-3000:]
    assert '3 done, 0 skipped (already done), 1 failed of 4' in \
        result.stdout
    assert list(failures_of(out)) == ['im9.png']
    allowed = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_annotate.sh'), images, '2',
         out, '--threshold', '0.2', '--allow-failures', *TINY],
        env=env, capture_output=True, text=True, timeout=300)
    assert allowed.returncode == 0, allowed.stderr[-3000:]
