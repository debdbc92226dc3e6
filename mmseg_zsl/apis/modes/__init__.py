"""Labelling modes, by the name a user picks them with (``--prompts``).

A new mode is one module with an :class:`AnnotationMode` subclass and one
:func:`register_mode` call here.
"""
from typing import Dict

from .base import AnnotationMode, Labeler, ModeSetup
from .prompted import PromptedMode
from .refine import RefineMode
from .usam import USamMode
from .zero_shot import ZeroShotMode

#: Every mode by each of its kinds; the first is the default.
MODES: Dict[str, AnnotationMode] = {}


def register_mode(mode: AnnotationMode) -> None:
    """Make ``mode`` available under each of its kinds."""
    taken = sorted(set(mode.kinds) & set(MODES))
    if taken:
        raise ValueError(f'annotation modes {taken} are registered already.')
    MODES.update({kind: mode for kind in mode.kinds})


def get_mode(kind: str) -> AnnotationMode:
    """The mode registered as ``kind``."""
    if kind not in MODES:
        raise ValueError(f'Unknown annotation mode {kind!r}; the modes are '
                         f'{list(MODES)}.')
    return MODES[kind]


register_mode(ZeroShotMode())
register_mode(PromptedMode())
register_mode(USamMode())
register_mode(RefineMode())

__all__ = [
    'AnnotationMode', 'Labeler', 'ModeSetup', 'MODES', 'register_mode',
    'get_mode', 'ZeroShotMode', 'PromptedMode', 'USamMode', 'RefineMode'
]
