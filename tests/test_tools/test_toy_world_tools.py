import importlib.util
import os.path as osp

import numpy as np
import pytest

from mmseg_zsl.toy_world import read_label_png

TOOLS = osp.join(osp.dirname(__file__), '..', '..', 'tools')


def _tool(name):
    """Load ``tools/<name>.py`` as a module (tools are not a package)."""
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', osp.join(TOOLS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.e2e
def test_make_world_then_simulate(tmp_path, capsys):
    world = tmp_path / 'world'
    summary = _tool('make_toy_world').main([
        str(world), '--num-train', '10', '--num-val', '3', '--labeled-counts',
        '2', '5', '--examples-per-class', '1', '--no-progress'
    ])
    assert not summary['skipped']
    assert 'toy world: 10 train + 3 val images' in capsys.readouterr().out
    assert len(list((world / 'images').glob('*.png'))) == 13
    assert (world / 'splits' / '5' / 'unlabeled.txt').is_file()

    out = tmp_path / 'pseudo'
    summary = _tool('simulate_pseudo_labels').main([
        str(world),
        str(out), '--quality', '0.3', '--swap-rate', '1.0', '--no-progress'
    ])
    # the world root brings its train split: 10 labels, no val
    assert sorted(p.stem for p in out.glob('*.png')) == [
        f'train_{i:05d}' for i in range(10)
    ]
    assert summary['noise']['swap_rate'] == 1.0
    assert summary['noise']['miss_rate'] == pytest.approx(0.7 * 0.25)
    assert 'simulated 10 pseudo labels' in capsys.readouterr().out
    label = read_label_png(str(out / 'train_00000.png'))
    assert label.shape == (96, 96) and label.dtype == np.uint8


@pytest.mark.e2e
def test_simulate_on_plain_label_folder(tmp_path):
    gt_dir = tmp_path / 'gt'
    gt_dir.mkdir()
    from mmseg_zsl.toy_world.io import write_png
    gt = np.zeros((20, 20), np.uint8)
    gt[5:10, 5:10] = 2
    write_png(str(gt_dir / 'a.png'), gt)
    summary = _tool('simulate_pseudo_labels').main([
        str(gt_dir),
        str(tmp_path / 'out'), '--quality', '1', '--no-progress'
    ])
    assert summary['num_images'] == 1 and summary['pixel_accuracy'] == 1.0
    assert np.array_equal(read_label_png(str(tmp_path / 'out' / 'a.png')), gt)
