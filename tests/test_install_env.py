"""Failure modes and idempotence of tools/install_env.sh (nothing built)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SCRIPT = osp.join(ROOT, 'tools', 'install_env.sh')


def run_installer(tmp_path, **env):
    full_env = dict(
        os.environ,
        MMSEG_ZSL_VENV=str(tmp_path / 'venv'),
        MMSEG_ZSL_CACHE=str(tmp_path / 'cache'))
    full_env.update(env)
    return subprocess.run(['bash', SCRIPT],
                          env=full_env,
                          capture_output=True,
                          text=True,
                          timeout=60)


def test_missing_python_is_reported(tmp_path):
    result = run_installer(tmp_path, PYTHON=str(tmp_path / 'no-python'))
    assert result.returncode == 1
    assert 'was not found' in result.stderr
    assert 'PYTHON=' in result.stderr


def test_unsupported_python_is_reported(tmp_path):
    fake = tmp_path / 'python3.12'
    fake.write_text('#!/bin/sh\necho 3.12\n')
    fake.chmod(0o755)
    result = run_installer(tmp_path, PYTHON=str(fake))
    assert result.returncode == 1
    assert 'Python 3.12 is not supported' in result.stderr
    assert not (tmp_path / 'venv').exists()


def test_missing_compiler_is_reported_before_installing(tmp_path):
    # With an empty wheel cache mmcv must be compiled: the script must say
    # so before it creates an environment or downloads anything.
    result = run_installer(
        tmp_path, PYTHON=sys.executable, CXX=str(tmp_path / 'no-g++'))
    assert result.returncode == 1
    assert 'no C++ compiler' in result.stderr
    assert 'apt-get install g++' in result.stderr
    assert not (tmp_path / 'venv').exists()


@pytest.mark.skipif(
    not osp.exists(osp.join(ROOT, '.venv', '.mmseg_zsl_install_stamp')),
    reason='the project environment was not made by tools/install_env.sh')
def test_second_run_is_a_no_op():
    env = dict(os.environ, MMSEG_ZSL_VENV=osp.join(ROOT, '.venv'))
    result = subprocess.run(['bash', SCRIPT],
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'is up to date' in result.stdout
