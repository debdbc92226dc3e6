"""Every config under configs/ loads and builds its model offline."""
import copy
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_zsl  # noqa: F401  (registers)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
LEAVES = sorted(glob.glob(osp.join(ROOT, 'configs', 'zsl', '*.py')))
ALL_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                               recursive=True))
# The configs' default_scope, as a Runner would set it.
init_default_scope('mmseg')
PASCAL_SPLITS = ('92', '183', '366', '732', '1464')
COCO_SPLITS = {'232': '1_512', '463': '1_256', '925': '1_128', '1849': '1_64'}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Building models is faster on one thread on a loaded machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _name(path):
    return osp.relpath(path, osp.join(ROOT, 'configs'))


def _offline(node):
    """Drop pretrained checkpoints (URLs) from a model config, in place."""
    if isinstance(node, dict):
        node.pop('init_cfg', None)
        if 'pretrained' in node:
            node['pretrained'] = None
        for value in node.values():
            _offline(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _offline(value)


def _shrink(node):
    """Fewer blocks, same widths: MiT stages of 1 block, ResNet-50 for
    ResNet-101. Full-size backbones are built once, from the model bases."""
    if isinstance(node, dict):
        if node.get('type') == 'MixVisionTransformer':
            node['num_layers'] = [1] * len(node['num_layers'])
        if node.get('type', '').startswith('ResNet') and \
                node.get('depth', 0) > 50:
            node['depth'] = 50
        for value in node.values():
            _shrink(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _shrink(value)


def _build(model_cfg, shrink):
    cfg = copy.deepcopy(model_cfg)
    _offline(cfg)
    if shrink:
        _shrink(cfg)
    return MODELS.build(cfg)


def test_the_promised_configs_exist():
    names = {osp.basename(p)[:-3] for p in LEAVES}
    expected = {f'segformer_b4_pascal_{n}' for n in PASCAL_SPLITS}
    expected |= {f'segformer_b4_coco_{n}' for n in COCO_SPLITS}
    expected |= {
        'segformer_b5_pascal_183', 'deeplabv3plus_r101_pascal_183',
        'unimatch_segformer_b4_pascal_183',
        'supervised_segformer_b4_pascal_183', 'pseudo_segformer_b4_pascal_183'
    }
    assert expected <= names, sorted(expected - names)


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=_name)
def test_config_loads(path):
    cfg = Config.fromfile(path)
    if 'model' in cfg or osp.dirname(path).endswith('zsl'):
        assert cfg.model.type == 'UniMatchZSSegmentor'


@pytest.mark.parametrize('path', LEAVES, ids=_name)
def test_leaf_is_consistent(path):
    """Plugin import, mode, classes, crop and split match the file name."""
    cfg = Config.fromfile(path)
    name = osp.basename(path)[:-3]
    assert cfg.custom_imports == dict(
        imports=['mmseg_zsl'], allow_failed_imports=False)
    assert cfg.default_scope == 'mmseg'

    mode = name.split('_')[0]
    expected_mode = mode if mode in ('unimatch', 'supervised',
                                     'pseudo') else 'zsl'
    assert cfg.model.semi_train_cfg.mode == expected_mode
    unlabeled = cfg.train_dataloader.dataset.unlabeled
    if expected_mode in ('unimatch', 'supervised'):
        assert unlabeled.pseudo_label_dir is None
    else:
        assert unlabeled.pseudo_label_dir is not None

    coco = '_coco_' in name
    num_classes = 81 if coco else 21
    crop = (400, 400) if coco else (321, 321)
    seg = cfg.model.segmentor
    assert seg.decode_head.num_classes == num_classes
    if seg.get('auxiliary_head'):
        assert seg.auxiliary_head.num_classes == num_classes
    assert tuple(cfg.model.data_preprocessor.data_preprocessor.size) == crop
    assert tuple(cfg.crop_size) == crop

    split = re.search(r'_(\d+)(_|$)', name).group(1)
    folder = COCO_SPLITS[split] if coco else split
    assert cfg.train_dataloader.dataset.labeled.ann_file == \
        f'splits/{folder}/labeled.txt'
    assert unlabeled.ann_file == f'splits/{folder}/unlabeled.txt'

    lr = cfg.optim_wrapper.optimizer.lr
    assert lr == (0.004 if coco else 0.001)
    assert cfg.train_cfg.max_epochs == (30 if coco else 80)
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys['head'].lr_mult == 10


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=_name)
def test_model_builds_offline(path):
    """Model bases build at full size; other configs with fewer blocks."""
    cfg = Config.fromfile(path)
    if 'model' not in cfg:
        pytest.skip('no model in this config (dataset or schedule base)')
    full_size = osp.basename(osp.dirname(path)) == 'models'
    model = _build(cfg.model, shrink=not full_size)
    assert type(model).__name__ == 'UniMatchZSSegmentor'
    assert model.num_classes == cfg.model.segmentor.decode_head.num_classes


def test_segformer_b5_has_the_papers_parameter_count():
    """The paper gives SegFormer-B5 as 84.7 M parameters: MiT-B5 with
    SegFormer's 768-channel decoder (mmseg's 256 would give 82.0 M)."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'zsl',
                                   'segformer_b5_pascal_183.py'))
    model = _build(cfg.model, shrink=False)
    count = sum(p.numel() for p in model.segmentor.parameters())
    assert abs(count / 1e6 - 84.7) < 0.15, count
