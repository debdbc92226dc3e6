"""Every workaround for the pinned OpenMMLab stack on a recent PyTorch.

``import mmseg_zsl`` calls :func:`apply_compat_patches` before mmseg's models
are imported (configs load the package through ``custom_imports``, and every
tool imports it first), so users never meet these problems:

1. torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``. mmengine
   0.10.7 calls ``torch.load`` without the argument, so resuming a run and
   ``tools/test.py`` fail on mmengine's own checkpoints (``Unsupported
   global: ... HistoryBuffer``). Fixed on mmengine's main branch (commit
   151a87ab), which is not released. We restore the old default,
   ``weights_only=False``, for calls that do not pass the argument. Only
   load checkpoints you trust, as with any pickle.
2. mmengine 0.10.7 resolves ``_base_ = 'mmseg::...'`` with
   ``pkg_resources``, which setuptools 82 removed. The environment pins
   ``setuptools<82`` (requirements/build.txt); here we only turn the cryptic
   ``ModuleNotFoundError`` into an instruction.
3. mmseg imports ``ftfy`` and ``regex`` without declaring them:
   requirements/runtime.txt installs them; here we say so if they are
   missing.
"""
import functools
import importlib.util
from typing import Any, Callable

import torch

_PATCHED_ATTR = '_mmseg_zsl_weights_only_default'


def _patch_torch_load() -> None:
    """Make ``torch.load`` default to ``weights_only=False`` (torch < 2.6)."""
    if getattr(torch.load, _PATCHED_ATTR, False):
        return
    original: Callable[..., Any] = torch.load

    @functools.wraps(original)
    def load(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault('weights_only', False)
        return original(*args, **kwargs)

    setattr(load, _PATCHED_ATTR, True)
    torch.load = load


def check_runtime_dependencies() -> None:
    """Raise an actionable error for the stack's known missing pieces."""
    if importlib.util.find_spec('pkg_resources') is None:
        raise ModuleNotFoundError(
            'pkg_resources is missing: setuptools>=82 removed it, but '
            "mmengine 0.10.7 needs it to resolve 'mmseg::' config bases. Run "
            "pip install 'setuptools>=77,<82' (or make env).")
    missing = [
        name for name in ('ftfy', 'regex')
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ModuleNotFoundError(
            f'{missing} are imported by mmsegmentation 1.2.2 but not '
            f'declared by it. Run pip install {" ".join(missing)} '
            '(or make env).')


def apply_compat_patches() -> None:
    """Apply every workaround once; safe to call repeatedly."""
    check_runtime_dependencies()
    _patch_torch_load()
