"""Models: the semi-supervised segmentor, its loss and data preprocessor.

Importing this package registers them into mmseg's MODELS registry.
"""
from . import data_preprocessors, losses, segmentors  # noqa: F401
from .losses import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
