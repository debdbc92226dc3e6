import importlib.util
import os
import pickle
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

import mmseg_zsl  # noqa: F401  (applies the patches)
from mmseg_zsl.utils import compat


def _save_runner_like_checkpoint(path):
    # mmengine checkpoints pickle HistoryBuffer objects (numpy arrays inside)
    # in their message hub, which torch>=2.6's weights_only default refuses.
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save({'message_hub': {'loss': buffer}, 'w': torch.ones(2),
                'seed': np.int64(3)}, path)


def test_the_safe_loader_reads_mmengine_checkpoints(tmp_path):
    path = tmp_path / 'ckpt.pth'
    _save_runner_like_checkpoint(path)
    loaded = torch.load(path, map_location='cpu', weights_only=True)
    assert loaded['message_hub']['loss'].current() == 1.5
    assert loaded['message_hub']['loss'].mean() == 1.5  # methods restored
    assert torch.equal(loaded['w'], torch.ones(2))
    assert torch.load(path, map_location='cpu')['seed'] == 3  # the default


class _RunsCode:
    def __reduce__(self):
        return (os.system, ('touch pwned',))


def test_a_pickle_that_runs_code_is_refused(tmp_path, monkeypatch):
    """``import mmseg_zsl`` keeps torch's safe loading for every caller."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _RunsCode()}, path)
    with pytest.raises(pickle.UnpicklingError, match='Weights only load'):
        torch.load(path, map_location='cpu')
    assert not (tmp_path / 'pwned').exists()


def test_old_checkpoints_with_statistics_methods_need_trust(tmp_path):
    """A checkpoint whose HistoryBuffer pickled its methods (mmengine's own
    __getstate__, as before the fix) is refused; weights_only=False (a file
    you trust) reads it."""
    buffer = HistoryBuffer()
    buffer.update(2.0)
    path = tmp_path / 'old.pth'
    with mock.patch.object(HistoryBuffer, '__getstate__', lambda self: dict(
            self.__dict__, statistics_methods=self._statistics_methods)):
        torch.save({'hub': buffer}, path)
    with pytest.raises(pickle.UnpicklingError, match='getattr'):
        torch.load(path)
    assert torch.load(path, weights_only=False)['hub'].current() == 2.0


def test_missing_pkg_resources_says_what_to_do(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == 'pkg_resources' else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, 'find_spec', find_spec)
    with pytest.raises(ModuleNotFoundError, match=r'setuptools>=77,<82'):
        compat.check_runtime_dependencies()


def test_missing_ftfy_says_what_to_do(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == 'ftfy' else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, 'find_spec', find_spec)
    with pytest.raises(ModuleNotFoundError, match='pip install ftfy'):
        compat.check_runtime_dependencies()
