"""Failure modes and idempotence of tools/install_env.sh, and a whole
environment built with Python 3.12 where one is present."""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
from typing import Optional

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SCRIPT = osp.join(ROOT, 'tools', 'install_env.sh')


def run_installer(tmp_path, timeout: int = 60, **env):
    full_env = dict(
        os.environ,
        MMSEG_ZSL_VENV=str(tmp_path / 'venv'),
        MMSEG_ZSL_CACHE=str(tmp_path / 'cache'))
    full_env.update(env)
    return subprocess.run(['bash', SCRIPT],
                          env=full_env,
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def find_python312() -> Optional[str]:
    """A Python 3.12 that runs: on PATH, or installed by pyenv (whose
    ``python3.12`` shim on PATH fails unless 3.12 is selected)."""
    candidates = [shutil.which('python3.12')] + sorted(
        glob.glob(osp.expanduser('~/.pyenv/versions/3.12*/bin/python3.12')))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, '-c', 'import sys; print(sys.version_info[:2])'],
            capture_output=True,
            text=True)
        if probe.returncode == 0 and probe.stdout.strip() == '(3, 12)':
            return candidate
    return None


def test_missing_python_is_reported(tmp_path):
    result = run_installer(tmp_path, PYTHON=str(tmp_path / 'no-python'))
    assert result.returncode == 1
    assert 'was not found' in result.stderr
    assert 'PYTHON=' in result.stderr


def fake_python(tmp_path, version: str) -> str:
    """An executable that answers the installer's version query."""
    fake = tmp_path / f'python{version}'
    fake.write_text(f'#!/bin/sh\necho {version}\n')
    fake.chmod(0o755)
    return str(fake)


def test_unsupported_python_is_reported(tmp_path):
    result = run_installer(tmp_path, PYTHON=fake_python(tmp_path, '3.13'))
    assert result.returncode == 1
    assert 'Python 3.13 is not supported' in result.stderr
    assert not (tmp_path / 'venv').exists()


@pytest.mark.parametrize('switch', ['MMSEG_ZSL_MMCV_OPS', 'FORCE_CUDA'])
def test_compiled_ops_on_python312_are_refused(tmp_path, switch):
    result = run_installer(
        tmp_path, PYTHON=fake_python(tmp_path, '3.12'), **{switch: '1'})
    assert result.returncode == 1
    assert 'with Python 3.10 and 3.11 only' in result.stderr
    assert not (tmp_path / 'venv').exists()


def test_missing_compiler_is_reported_before_installing(tmp_path):
    # Compiled ops with an empty wheel cache mean compiling mmcv: the script
    # must say a compiler is missing before it creates an environment or
    # downloads anything. (The default, mmcv-lite, needs no compiler.)
    result = run_installer(
        tmp_path,
        PYTHON=fake_python(tmp_path, '3.11'),
        CXX=str(tmp_path / 'no-g++'),
        MMSEG_ZSL_MMCV_OPS='1')
    assert result.returncode == 1
    assert 'no C++ compiler' in result.stderr
    assert 'apt-get install g++' in result.stderr
    assert not (tmp_path / 'venv').exists()


def test_check_says_not_up_to_date_and_installs_nothing(tmp_path):
    result = subprocess.run(
        ['bash', SCRIPT, '--check'],
        env=dict(os.environ, PYTHON=sys.executable,
                 MMSEG_ZSL_VENV=str(tmp_path / 'venv')),
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert 'is not up to date' in result.stdout
    assert not (tmp_path / 'venv').exists()


def test_unknown_argument_is_refused_before_anything(tmp_path):
    result = subprocess.run(
        ['bash', SCRIPT, '--chek'],
        env=dict(os.environ, MMSEG_ZSL_VENV=str(tmp_path / 'venv')),
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown argument '--chek'" in result.stderr
    assert not (tmp_path / 'venv').exists()


def project_env_is_current() -> bool:
    """Whether .venv is up to date, asked without installing anything: a
    stale one must not be reinstalled (under a 60 s timeout) by a test."""
    env = dict(os.environ, MMSEG_ZSL_VENV=osp.join(ROOT, '.venv'))
    return subprocess.run(['bash', SCRIPT, '--check'], env=env,
                          capture_output=True, timeout=60).returncode == 0


@pytest.mark.skipif(
    not project_env_is_current(),
    reason='no up-to-date project environment made by tools/install_env.sh')
def test_second_run_is_a_no_op():
    env = dict(os.environ, MMSEG_ZSL_VENV=osp.join(ROOT, '.venv'))
    result = subprocess.run(['bash', SCRIPT],
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'is up to date' in result.stdout


@pytest.mark.e2e
@pytest.mark.timeout(1500)
def test_python312_environment_installs_and_trains(tmp_path):
    python312 = find_python312()
    if python312 is None:
        pytest.skip('no Python 3.12 interpreter on this machine')
    # The default build (mmcv-lite), without the annotation extras: torch
    # for 3.12 is a download, the rest is what training needs.
    result = run_installer(
        tmp_path, timeout=1200, PYTHON=python312, MMSEG_ZSL_EXTRAS='tests')
    assert result.returncode == 0, result.stderr[-3000:]
    suite = subprocess.run([
        str(tmp_path / 'venv' / 'bin' / 'python'), '-m', 'pytest', '-q',
        '-p', 'no:cacheprovider', 'tests/test_package.py',
        'tests/test_models/test_unimatch_zs_segmentor.py'
    ],
                           cwd=ROOT,
                           capture_output=True,
                           text=True,
                           timeout=600)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert ' passed' in suite.stdout
