"""mmseg_zsl: zero-shot pseudo labels and semi-supervised training for mmseg.

Importing the package registers every dataset, transform and model into
mmsegmentation's registries (configs only need
``custom_imports = dict(imports=['mmseg_zsl'], allow_failed_imports=False)``).
``mmseg_zsl.annotation`` is not imported here: training must not need SAM or
CLIP installed.
"""
from .utils import apply_compat_patches

apply_compat_patches()

from . import datasets, engine, models  # noqa: E402,F401  (register)
from .version import __version__  # noqa: E402

__all__ = ['__version__']
