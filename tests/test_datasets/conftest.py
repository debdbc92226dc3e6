"""Fixtures of the dataset tests: mmseg scope and tiny fake data trees."""
import pytest
from mmengine.registry import init_default_scope

import mmseg_zsl  # noqa: F401  (registers everything)
from .fake_data import make_tree


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Pipelines are built by mmengine's Compose in mmseg's scope."""
    init_default_scope('mmseg')


@pytest.fixture(scope='session')
def voc_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('voc'))
    make_tree(root, 'pascal')
    return root


@pytest.fixture(scope='session')
def coco_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('coco'))
    make_tree(root, 'coco')
    return root
