"""Every workaround for the pinned OpenMMLab stack on a recent PyTorch.

``import mmseg_zsl`` calls :func:`apply_compat_patches` before mmseg's models
are imported (configs load the package through ``custom_imports``, and every
tool imports it first), so users never meet these problems:

1. torch >= 2.6 loads checkpoints with ``weights_only=True``: the safe
   unpickler, which refuses arbitrary objects. mmengine 0.10.7's own
   checkpoints hold ``HistoryBuffer`` objects (numpy arrays inside) in their
   message hub, so ``--resume`` and ``tools/test.py`` fail on them. We keep
   the safe default and make those checkpoints loadable under it: the
   classes mmengine stores (``HistoryBuffer`` and numpy's array and dtype
   reconstruction) are allow-listed with
   ``torch.serialization.add_safe_globals``, and ``HistoryBuffer`` no longer
   pickles its default statistics methods (bound through ``getattr``, which
   the safe unpickler rightly refuses; they are restored on loading
   anyway). A checkpoint written before this (or with custom statistics
   methods) is refused with torch's message; to load such a file you trust,
   pass ``weights_only=False`` yourself.
2. mmengine 0.10.7 resolves ``_base_ = 'mmseg::...'`` with
   ``pkg_resources``, which setuptools 82 removed. The environment pins
   ``setuptools<82`` (requirements/build.txt); here we only turn the cryptic
   ``ModuleNotFoundError`` into an instruction.
3. mmseg imports ``ftfy`` and ``regex`` without declaring them:
   requirements/runtime.txt installs them; here we say so if they are
   missing.
"""
import importlib.util

import torch

#: The statistics every HistoryBuffer gets back on loading (mmengine's).
_DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_state(self) -> dict:
    """``HistoryBuffer.__getstate__`` without its default statistics
    methods (restored by ``__setstate__``), so the safe unpickler loads it.
    Custom methods are still saved, as mmengine does."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    custom = {
        name: method
        for name, method in self._statistics_methods.items()
        if name not in _DEFAULT_STATISTICS
    }
    if custom:
        state['statistics_methods'] = custom
    return state


def _allow_mmengine_checkpoints() -> None:
    """Let ``torch.load(weights_only=True)`` read mmengine's checkpoints."""
    import numpy as np
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_state
    multiarray = getattr(np, '_core', None) or np.core
    dtypes = [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUV']
    torch.serialization.add_safe_globals([
        HistoryBuffer, multiarray.multiarray._reconstruct,
        multiarray.multiarray.scalar, np.ndarray, np.dtype, *dtypes
    ])


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
    """Apply every workaround; safe to call repeatedly."""
    check_runtime_dependencies()
    _allow_mmengine_checkpoints()
