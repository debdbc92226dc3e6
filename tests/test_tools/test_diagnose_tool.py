import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmseg_zsl.toy_world import simulate_pseudo_labels
from .test_toy_world_tools import _tool

REPO = osp.join(osp.dirname(__file__), '..', '..')


@pytest.mark.e2e
def test_diagnosis_of_a_toy_checkpoint(small_world, tmp_path, capsys):
    """A random-init zsl model on the small world, checked for consistency
    with mmseg's IoU of the zero-shot labels and with the two extreme tau."""
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules()
    world = str(small_world)
    pseudo = str(tmp_path / 'pseudo')
    simulate_pseudo_labels(
        osp.join(world, 'masks'),
        osp.join(world, 'instances'),
        pseudo,
        quality=0.3,
        split_file=osp.join(world, 'splits', 'train.txt'),
        num_classes=6,
        show_progress=False)
    config = osp.join(REPO, 'configs', 'toy', 'zsl_toy.py')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)

    results = _tool('diagnose_enhanced_labels').main([
        config, checkpoint, '--pseudo-label-dir', pseudo, '--ann-file',
        'splits/train.txt', '--conf-thresh', '0', '0.7', '1.01',
        '--no-progress', '--out',
        str(tmp_path / 'out.json'), '--cfg-options',
        f'test_dataloader.dataset.data_root={world}'
    ])
    assert results['num_images'] == 24
    assert (tmp_path / 'out.json').is_file()
    assert '| 0.7 |' in capsys.readouterr().out
    reference = _tool('eval_pseudo_labels').main(
        [pseudo, osp.join(world, 'masks'), '--num-classes', '6'])
    for row in (results['tau=0'], results['tau=0.7'], results['tau=1.01']):
        assert row['zero_shot_miou'] == pytest.approx(reference['mIoU'])
    assert results['tau=0']['enhanced_miou'] == pytest.approx(
        results['tau=0']['model_miou'])
    assert results['tau=0']['confident'] == pytest.approx(100.0)
    assert results['tau=1.01']['enhanced_miou'] == pytest.approx(
        reference['mIoU'])
    assert results['tau=1.01']['changed'] == 0.0


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match='checkpoint .* does not exist'):
        _tool('diagnose_enhanced_labels').main([
            osp.join(REPO, 'configs', 'toy', 'zsl_toy.py'),
            str(tmp_path / 'nope.pth'), '--pseudo-label-dir',
            str(tmp_path)
        ])
