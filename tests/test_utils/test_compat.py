import importlib.util

import pytest
import torch
from mmengine.logging import HistoryBuffer

import mmseg_zsl  # noqa: F401  (applies the patches)
from mmseg_zsl.utils import compat


def _save_runner_like_checkpoint(path):
    # mmengine checkpoints pickle HistoryBuffer objects in their message hub,
    # which torch>=2.6's weights_only default refuses.
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save({'message_hub': {'loss': buffer}, 'w': torch.ones(2)}, path)


def test_torch_load_reads_mmengine_checkpoints(tmp_path):
    path = tmp_path / 'ckpt.pth'
    _save_runner_like_checkpoint(path)
    loaded = torch.load(path, map_location='cpu')
    assert loaded['message_hub']['loss'].current() == 1.5
    assert torch.equal(loaded['w'], torch.ones(2))


def test_explicit_weights_only_is_respected(tmp_path):
    # The patch only changes the default; a caller asking for the safe loader
    # still gets it.
    path = tmp_path / 'ckpt.pth'
    _save_runner_like_checkpoint(path)
    with pytest.raises(Exception, match='[Ww]eights only load failed'):
        torch.load(path, map_location='cpu', weights_only=True)


def test_patch_is_applied_once():
    patched = torch.load
    compat.apply_compat_patches()
    assert torch.load is patched


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
