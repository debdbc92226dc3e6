"""The dataset configs load, build on fake data and feed the preprocessor."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import PixelData
from mmseg.registry import DATA_SAMPLERS, DATASETS, MODELS
from torch.utils.data import DataLoader

from .fake_data import LABELED, UNLABELED

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'pascal': ('configs/_base_/datasets/pascal_voc12_semi.py', 321,
               'PascalVOCSplitDataset'),
    'coco': ('configs/_base_/datasets/coco81_semi.py', 400, 'COCO81Dataset'),
}
BRANCHES = ['sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2']


def load(name, root, crop=None):
    """The config, pointed at a fake tree (and a smaller crop if given)."""
    path, crop_size, _ = CONFIGS[name]
    cfg = Config.fromfile(osp.join(REPO, path))
    ds = cfg.train_dataloader.dataset
    for part, split in (('labeled', 'labeled'), ('unlabeled', 'unlabeled')):
        ds[part].data_root = root
        ds[part].ann_file = f'splits/2/{split}.txt'
        if crop is not None:
            for t in ds[part].pipeline:
                if 'crop_size' in t:
                    t.crop_size = (crop, crop)
    cfg.val_dataloader.dataset.data_root = root
    return cfg


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_loads_with_the_method_defaults(name, tmp_path):
    path, crop, dataset_type = CONFIGS[name]
    cfg = Config.fromfile(osp.join(REPO, path))
    assert cfg.crop_size == (crop, crop)
    loader = cfg.train_dataloader
    assert loader.batch_size == 4
    assert (loader.sampler.num_labeled, loader.sampler.num_unlabeled) == (2,
                                                                          2)
    assert loader.dataset.labeled.type == dataset_type
    assert cfg.val_evaluator == dict(type='IoUMetric', iou_metrics=['mIoU'])
    assert [t.type for t in cfg.test_pipeline
            ] == ['LoadImageFromFile', 'LoadAnnotations', 'PackSegInputs']
    strong = {t.type: t for t in cfg.strong_pipeline}
    assert strong['RandomColorJitter'].prob == 0.8
    assert strong['RandomToGray'].prob == 0.2
    assert strong['RandomGaussianBlur'].sigma_range == (0.1, 2.0)
    assert strong['GenerateCutMixBox'].area_range == (0.02, 0.4)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_builds_and_yields_the_interface_dict(name, voc_root,
                                                     coco_root):
    root = voc_root if name == 'pascal' else coco_root
    cfg = load(name, root)
    crop = CONFIGS[name][1]
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == len(LABELED) + len(UNLABELED)

    sup = dataset[0]
    assert sup['inputs'].keys() == set(BRANCHES)
    assert [b for b in BRANCHES if sup['inputs'][b] is not None] == ['sup']
    img, sample = sup['inputs']['sup'], sup['data_samples']['sup']
    assert img.dtype == torch.uint8 and img.shape == (3, crop, crop)
    assert sample.gt_sem_seg.data.dtype == torch.int64
    assert sample.gt_sem_seg.shape == (crop, crop)

    unsup = dataset[len(LABELED)]
    assert unsup['inputs']['sup'] is None
    for branch in BRANCHES[1:]:
        img, sample = unsup['inputs'][branch], unsup['data_samples'][branch]
        assert img.dtype == torch.uint8 and img.shape == (3, crop, crop)
        assert sample.gt_sem_seg.data.dtype == torch.int64
        assert sample.padding_mask.data.dtype == torch.uint8
        assert sample.padding_mask.data.shape == (1, crop, crop)
        assert ('cutmix_box' in sample) == (branch != 'unsup_weak')
        assert sample.pseudo_label_path.endswith(
            osp.join('zero_shot', 'labels', UNLABELED[0] + '.png'))
    cutmix = unsup['data_samples']['unsup_strong1'].cutmix_box.data
    assert cutmix.dtype == torch.uint8 and cutmix.shape == (1, crop, crop)

    val = DATASETS.build(cfg.val_dataloader.dataset)
    item = val[0]
    assert item['inputs'].shape == (3, 40, 56)  # whole image, no resize
    assert item['data_samples'].gt_sem_seg.shape == (40, 56)


def test_loader_and_multi_branch_preprocessor(voc_root):
    crop = 32
    cfg = load('pascal', voc_root, crop=crop)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    sampler = DATA_SAMPLERS.build(
        cfg.train_dataloader.sampler, default_args=dict(dataset=dataset,
                                                        seed=0))
    loader = DataLoader(
        dataset,
        batch_size=cfg.train_dataloader.batch_size,
        sampler=sampler,
        collate_fn=pseudo_collate)
    assert len(loader) == len(UNLABELED) // 2  # one pass over unlabeled
    batch = next(iter(loader))
    assert [x is None for x in batch['inputs']['sup']
            ] == [False, False, True, True]

    preprocessor = MODELS.build(
        dict(
            type='MultiBranchDataPreprocessor',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                size=(crop, crop))))
    assert preprocessor.to('cpu') is preprocessor
    assert preprocessor.device == torch.device('cpu')
    out = preprocessor(batch, training=True)
    assert set(out['inputs']) == set(BRANCHES)
    for branch in BRANCHES:
        inputs, samples = out['inputs'][branch], out['data_samples'][branch]
        assert inputs.dtype == torch.float32
        assert inputs.shape == (2, 3, crop, crop)
        assert len(samples) == 2
        assert samples[0].gt_sem_seg.shape == (crop, crop)
    paths = {
        b: [s.img_path for s in out['data_samples'][b]]
        for b in BRANCHES[1:]
    }
    assert paths['unsup_weak'] == paths['unsup_strong1'] == paths[
        'unsup_strong2']
    # the unlabeled half of the batch, in order
    assert paths['unsup_weak'] == [
        dataset[i]['data_samples']['unsup_weak'].img_path
        for i in list(sampler)[2:4]
    ]


def test_preprocessor_eval_passes_through_and_checks_sizes(voc_root):
    cfg = load('pascal', voc_root)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    inner = dict(type='SegDataPreProcessor', size=(40, 56))
    wrapped = MODELS.build(
        dict(type='MultiBranchDataPreprocessor', data_preprocessor=inner))
    plain = MODELS.build(inner)
    batch = pseudo_collate([val[0]])
    got = wrapped(batch, training=False)
    want = plain(pseudo_collate([val[0]]), training=False)
    assert torch.equal(got['inputs'], want['inputs'])

    # a per-pixel field the pipeline forgot to pad is caught
    train = pseudo_collate([val[0]])
    sample = train['data_samples'][0]
    sample.set_data(
        dict(padding_mask=PixelData(data=torch.zeros(1, 10, 56).byte())))
    with pytest.raises(ValueError, match='padding_mask'):
        wrapped(
            dict(inputs=dict(sup=train['inputs']),
                 data_samples=dict(sup=train['data_samples'])),
            training=True)
