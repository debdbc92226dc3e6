"""Keyword options where None means "the default of whoever takes them"."""
from typing import Any, Dict, Mapping, Optional


def drop_none(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """The options that are set: library defaults live in the classes and
    functions that take them, so callers pass on only what was given."""
    return {k: v for k, v in (options or {}).items() if v is not None}
