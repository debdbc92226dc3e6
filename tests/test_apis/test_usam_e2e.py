"""U-SAM end to end on the demo world (UNTRAINED tiny SAM: structure only).

Example images cut from the world's ground truth -> tools/train_usam.py ->
annotation through the engine (with tools/annotate.py's flags) ->
tools/eval_pseudo_labels.py and tools/eval_usam_masks.py.
"""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmseg_zsl.apis import annotate
from mmseg_zsl.toy_world import (CLASSES, SHAPE_NAMES, cut_class_examples,
                                 generate_toy_world)
from mmseg_zsl.utils.tool_exit import EXIT_FAILURES, EXIT_OK

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', osp.join(ROOT, 'tools', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.e2e
def test_usam_on_the_demo_world(tmp_path, capsys):
    world = str(tmp_path / 'world')
    generate_toy_world(world, num_train=16, num_val=3, labeled_counts=(2, ),
                       show_progress=False)
    counts = cut_class_examples(world, per_class=2,
                                out_dir=str(tmp_path / 'examples'))
    assert set(counts) == set(SHAPE_NAMES) and min(counts.values()) >= 1

    # One unreadable example: training goes on without it, and the run
    # says so in its exit status (before: status 0 and one printed line).
    bad = tmp_path / 'examples' / SHAPE_NAMES[0] / 'broken.png'
    bad.write_bytes(b'not a png')
    work_dir = str(tmp_path / 'usam')
    tool = load_tool('train_usam')
    args = [
        str(tmp_path / 'examples'), work_dir, '--random-init', 'tiny',
        '--points-per-side', '4', '--teacher-epochs', '2',
        '--student-epochs', '2', '--device', 'cpu', '--no-progress'
    ]
    assert tool.main(args) == EXIT_FAILURES
    summary_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert (f'{len(SHAPE_NAMES)} classes, {sum(counts.values())} example '
            'images') in summary_line and '1 unreadable' in summary_line
    with open(osp.join(work_dir, 'failures.json')) as file:
        failures = json.load(file)
    assert (failures['total'], failures['failed']) == (
        sum(counts.values()) + 1, 1)
    assert failures['items'][0]['path'].endswith('broken.png')
    # Resumed (everything cached): the same failure, allowed this time.
    assert tool.main(args + ['--allow-failures']) == EXIT_OK

    out = str(tmp_path / 'labels_out')
    args = load_tool('annotate').parse_args([
        osp.join(world, 'splits', 'val.txt'), out, '--prompts', 'usam',
        '--data-root', world, '--classes', 'ToyShapesDataset',
        '--random-init', 'tiny', '--device', 'cpu', '--no-progress',
        '--usam-checkpoint',
        osp.join(work_dir, 'student.pth'), '--usam-confidence-threshold',
        '0.0'
    ])
    _, merged = annotate(
        args.input, out, mode='usam', data_root=args.data_root,
        device=args.device, progress=False, **args.options)
    assert (merged.done, merged.failed) == (3, [])
    assert merged.masks_per_image == 16  # the 4 x 4 grid of training
    for index in range(3):
        label = cv2.imread(
            osp.join(out, 'labels', f'val_{index:05d}.png'),
            cv2.IMREAD_UNCHANGED)
        assert label.shape == (96, 96) and label.dtype == np.uint8
        assert set(np.unique(label)) <= set(range(len(CLASSES)))

    # the shared evaluation tool reads the output unchanged
    miou = load_tool('eval_pseudo_labels').main(
        [out, osp.join(world, 'masks')])
    assert miou['num_images'] == 3
    assert list(miou['per_class']) == list(CLASSES)
    ap = load_tool('eval_usam_masks').main(
        [out, '--instances', osp.join(world, 'instances')])
    assert ap['num_images'] == 3 and ap['untrained_models']
    assert 0.0 <= ap['mAP'] <= 100.0
    assert set(ap['per_class']) <= set(SHAPE_NAMES)
    # eval_pseudo_labels.py --instances reports the same mAP@50
    both = load_tool('eval_pseudo_labels').main(
        [out, osp.join(world, 'masks'), '--instances',
         osp.join(world, 'instances')])
    assert both['mAP50'] == ap['mAP']
    assert both['mIoU'] == miou['mIoU']
