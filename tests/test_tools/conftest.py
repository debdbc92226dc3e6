"""Fixtures the tool tests share with the package tests they mirror."""
from ..test_datasets.conftest import voc_root  # noqa: F401
from ..test_toy_world.conftest import small_world, world_args  # noqa: F401
