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
4. ``make env`` installs mmcv-lite (mmcv without compiled ops, a wheel from
   PyPI) because building mmcv's ops took most of a fresh machine's set-up
   and nothing here calls them. mmseg 1.2.2 still imports ``mmcv.ops``
   unguarded (``mmseg.utils``, ``mmseg.models``), and every module of
   ``mmcv.ops`` loads ``mmcv._ext`` at import. Where that extension is
   absent we register a stand-in module: imports succeed, the pure-python
   ops (``point_sample``) work, and calling a compiled op raises
   :class:`MissingCompiledOpError` saying how to get the ops
   (``MMSEG_ZSL_MMCV_OPS=1 make env``). Nothing installed is modified; with
   mmcv's compiled ops installed this does nothing.
"""
import importlib.machinery
import importlib.util
import sys
import types

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


class MissingCompiledOpError(RuntimeError):
    """A compiled mmcv op was called in an environment without them."""


def _missing_op(name: str):
    """Module ``__getattr__`` of the stand-in: any op name is a function
    that says how to get the ops; dunder names stay missing (``inspect``
    probes ``__file__`` of every module)."""
    if name.startswith('__'):
        raise AttributeError(name)

    def missing(*args, **kwargs):
        raise MissingCompiledOpError(
            f"mmcv's compiled op '{name}' is not installed: this environment "
            'has mmcv-lite, which make env installs because mmseg_zsl needs '
            'no compiled op. To get them, run MMSEG_ZSL_MMCV_OPS=1 make env '
            '(FORCE_CUDA=1 as well for CUDA ops; see docs/installation.md).')

    missing.__name__ = name
    return missing


def _stand_in_for_mmcv_ops() -> None:
    """Register ``mmcv._ext`` as a module of missing ops, if mmcv has none.

    The stand-in has a spec without a loader, so mmcv's own
    ``check_ops_exist()`` still answers False.
    """
    if 'mmcv._ext' in sys.modules or importlib.util.find_spec(
            'mmcv._ext') is not None:
        return
    module = types.ModuleType('mmcv._ext')
    module.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
    module.__getattr__ = _missing_op  # any op name: mmcv asserts hasattr
    sys.modules['mmcv._ext'] = module


def has_compiled_mmcv_ops() -> bool:
    """Whether mmcv's compiled ops (``mmcv._ext``) are installed."""
    spec = importlib.util.find_spec('mmcv._ext')
    return spec is not None and spec.loader is not None


def check_runtime_dependencies() -> None:
    """Raise an actionable error for the stack's known missing pieces."""
    if importlib.util.find_spec('mmcv') is None:
        raise ModuleNotFoundError(
            'mmcv is missing: it is installed before mmseg_zsl, not as its '
            'dependency, because it comes with or without compiled ops. Run '
            'pip install mmcv-lite==2.1.0 (or make env; see '
            'docs/installation.md).')
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
    _stand_in_for_mmcv_ops()
    _allow_mmengine_checkpoints()
