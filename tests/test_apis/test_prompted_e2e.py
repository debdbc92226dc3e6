"""Prompted annotation end to end on real files (small untrained SAMs).

With random weights the masks are meaningless: these tests check the files,
cache, resume, skipping and the tools, never label quality.
"""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.annotation.prompted import MissingPromptsError, PromptedLabeler
from mmseg_zsl.apis import DistInfo, annotate, relabel

pytestmark = pytest.mark.e2e
ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CLASSES = ['background', 'cat', 'car']
VOC_OBJECT = ('<object><name>{}</name><bndbox><xmin>{}</xmin><ymin>{}</ymin>'
              '<xmax>{}</xmax><ymax>{}</ymax></bndbox></object>')


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    # Tiny models run far faster without thread contention on shared CPUs.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', osp.join(ROOT, 'tools', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def voc(tmp_path):
    """Three images; VOC XML boxes for two of them."""
    images, annotations = tmp_path / 'JPEGImages', tmp_path / 'Annotations'
    images.mkdir()
    annotations.mkdir()
    rng = np.random.default_rng(0)
    paths = []
    for index, (height, width) in enumerate([(40, 56), (32, 32), (30, 44)]):
        path = images / f'img{index}{".jpg" if index % 2 else ".png"}'
        cv2.imwrite(
            str(path),
            rng.integers(0, 255, (height, width, 3), dtype=np.uint8))
        paths.append(str(path))
        if index < 2:
            objects = VOC_OBJECT.format('cat', 2, 3, 20, 25) + \
                VOC_OBJECT.format('car', 10, 12, 30, 30)
            (annotations / f'img{index}.xml').write_text(
                f'<annotation>{objects}</annotation>')
    return dict(paths=paths, annotations=str(annotations), root=tmp_path)


def annotate_boxes(voc, out, **options):
    """The engine with the boxes mode and a tiny untrained SAM."""
    return annotate(
        str(voc['root'] / 'JPEGImages'),
        out,
        mode='boxes',
        prompt_file=voc['annotations'],
        classes=CLASSES,
        random_init='tiny',
        device='cpu',
        progress=False,
        dist=DistInfo(),
        **options)


def test_boxes_on_files_cache_resume_and_skip(voc):
    out = str(voc['root'] / 'out')
    own, merged = annotate_boxes(voc, out)
    assert (merged.done, merged.skipped, merged.total) == (2, 0, 3)
    assert merged.failed == [[voc['paths'][2], 'no prompts in '
                              f"{voc['annotations']} (voc-xml)"]]
    assert own.failed == merged.failed
    with open(osp.join(out, 'summary.json')) as file:
        summary = json.load(file)
    assert summary['total'] == 3 and summary['failed'] == merged.failed
    assert summary['per_rank'][0]['failed'] == merged.failed
    assert sorted(os.listdir(osp.join(out, 'labels'))) == [
        'img0.png', 'img1.png']
    record = ImageRecord.from_file(osp.join(out, 'cache', 'img0.npz'))
    assert record.image_size == (40, 56) and record.num_masks == 2
    assert record.fields['class_id'].tolist() == [1, 2]
    label = cv2.imread(osp.join(out, 'labels', 'img0.png'),
                       cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(label, PromptedLabeler(CLASSES)(record))
    stamp = os.stat(osp.join(out, 'labels', 'img0.png')).st_mtime_ns
    # Resume: nothing is annotated again.
    _, again = annotate_boxes(voc, out)
    assert (again.done, again.skipped, len(again.failed)) == (0, 2, 1)
    assert os.stat(osp.join(out, 'labels', 'img0.png')).st_mtime_ns == stamp
    # Relabel from the cache with unassigned pixels ignored.
    relabel(out, unassigned_label=255, dist=DistInfo(), progress=False)
    relabelled = cv2.imread(osp.join(out, 'labels', 'img0.png'),
                            cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(
        relabelled, PromptedLabeler(CLASSES, 255)(record))
    with open(osp.join(out, 'manifest.json')) as file:
        manifest = json.load(file)
    assert manifest['labels']['unassigned_label'] == 255
    assert manifest['history'][0]['unassigned_label'] == 0


def test_missing_prompts_can_stop_the_run(voc):
    out = str(voc['root'] / 'strict')
    with pytest.raises(MissingPromptsError, match=r'1 of 3 images.*img2'):
        annotate_boxes(voc, out, on_missing='error')
    assert not osp.exists(out)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    from mmseg_zsl.toy_world import generate_toy_world
    root = tmp_path_factory.mktemp('prompted') / 'world'
    generate_toy_world(
        str(root), num_train=4, num_val=1, seed=1, labeled_counts=(2, ),
        show_progress=False)
    counts = load_tool('toy_world_prompts').main(
        [str(root), str(root / 'prompts'), '--no-progress'])
    assert counts['num_images'] == 4 and counts['num_boxes'] >= 4
    return root


@pytest.mark.parametrize('prompts,extra', [
    ('boxes', []),
    ('points', ['--mask-choice', 'best']),
    ('scribbles', ['--iterative', '--points-per-round', '4']),
])
def test_demo_world_end_to_end_and_eval(world, tmp_path, prompts, extra,
                                        capsys):
    out = str(tmp_path / prompts)
    args = load_tool('annotate').parse_args([
        str(world / 'splits' / 'train.txt'), out, '--prompts', prompts,
        '--data-root', str(world), '--classes', 'ToyShapesDataset',
        '--random-init', 'tiny', '--device', 'cpu', '--prompt-file',
        str(world / 'prompts'), '--no-progress'
    ] + extra)
    _, merged = annotate(
        args.input, out, mode=prompts, data_root=args.data_root,
        device=args.device, progress=False, **args.options)
    assert (merged.done, merged.failed) == (4, [])
    assert merged.untrained_models
    with open(osp.join(out, 'manifest.json')) as file:
        manifest = json.load(file)
    assert manifest['annotator'] == prompts
    assert manifest['annotator_settings']['prompts'] == prompts
    results = load_tool('eval_pseudo_labels').main(
        [out, str(world / 'masks')])
    assert results['num_images'] == 4
    assert set(results['per_class']) == {
        'background', 'circle', 'square', 'triangle', 'star', 'ring'}
    assert 'UNTRAINED' in capsys.readouterr().out


def test_scribbles_to_json_tool(tmp_path):
    png_dir = tmp_path / 'scribbles'
    png_dir.mkdir()
    scribble = np.full((10, 12), 255, dtype=np.uint8)
    scribble[2, 1:6] = 1
    scribble[7, 3:9] = 0
    cv2.imwrite(str(png_dir / 'a.png'), scribble)
    classes = tmp_path / 'classes.txt'
    classes.write_text('background\ncat\ncar\n')
    counts = load_tool('scribbles_to_json').main([
        str(png_dir), str(tmp_path / 'all.json'), '--classes', str(classes),
        '--no-progress'
    ])
    assert counts == dict(num_images=1, num_scribbles=2, num_pixels=11)
    with open(tmp_path / 'all.json') as file:
        entry = json.load(file)['images']['a']
    assert (entry['height'], entry['width']) == (10, 12)
    assert [s['class'] for s in entry['scribbles']] == ['background', 'cat']
