import os.path as osp

import pytest
import torch
from mmengine.config import Config

from ..test_datasets.fake_data import LABELED
from .test_toy_world_tools import _tool

CONFIG = osp.join(
    osp.dirname(__file__), '..', 'data', 'configs', 'tiny_zsl_pascal.py')


@pytest.mark.e2e
@pytest.mark.parametrize('ann_file', [None, 'splits/2/labeled.txt'])
def test_diagnosis_reads_pascal_ids_and_unimatch_splits(
        voc_root, tmp_path, ann_file):
    """Both split formats: VOC's val ids and UniMatch's two-column lines."""
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    checkpoint = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    args = [
        CONFIG, checkpoint, '--pseudo-label-dir',
        osp.join(voc_root, 'zero_shot', 'labels'), '--conf-thresh', '1.01',
        '--no-progress', '--cfg-options',
        f'test_dataloader.dataset.data_root={voc_root}'
    ]
    if ann_file is not None:
        args += ['--ann-file', ann_file]
    results = _tool('diagnose_enhanced_labels').main(args)
    assert results['num_images'] == (3 if ann_file is None else len(LABELED))
    row = results['tau=1.01']
    assert row['enhanced_miou'] == pytest.approx(row['zero_shot_miou'])
    assert row['confident'] == 0.0
