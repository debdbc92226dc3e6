import pytest

from mmseg_zsl.toy_world import generate_toy_world

#: A world small enough to write in well under a second.
SMALL_WORLD = dict(
    num_train=24,
    num_val=8,
    seed=3,
    labeled_counts=(4, 8),
    examples_per_class=2,
    show_progress=False)


@pytest.fixture(scope='session')
def world_args():
    """Arguments of :func:`generate_toy_world` for the small world."""
    return dict(SMALL_WORLD)


@pytest.fixture(scope='session')
def small_world(tmp_path_factory):
    """Path of a small generated world (shared, treat as read-only)."""
    root = tmp_path_factory.mktemp('toy') / 'world'
    generate_toy_world(str(root), **SMALL_WORLD)
    return root
