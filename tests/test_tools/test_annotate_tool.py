"""tools/annotate.py end to end on real image files (tiny untrained models)."""
import importlib.util
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest

pytest.importorskip('open_clip')
pytest.importorskip('segment_anything')

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CLASSES = 'background\ncat\npottedplant: potted plant\ncar\n'
#: Tiny untrained models (quality filters off by default), 16 prompts and
#: no box NMS, so every image keeps its 48 overlapping masks.
SMOKE = [
    '--random-init', 'tiny', '--points-per-side', '4', '--box-nms-thresh',
    '1.0', '--image-size', '224', '--device', 'cpu', '--no-progress'
]
SIZES = [(40, 56), (33, 47), (48, 32), (36, 36), (30, 50)]


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', osp.join(ROOT, 'tools', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


annotate_tool = load_tool('annotate')


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread, even more on a busy machine."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_image(seed, height, width):
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, :width // 2] = rng.integers(0, 255, size=3)
    image[height // 3:, width // 3:] = rng.integers(0, 255, size=3)
    return image + rng.integers(0, 30, size=image.shape, dtype=np.uint8)


@pytest.fixture
def data(tmp_path):
    """Five images (PNG and JPEG) in a folder and a class file."""
    folder = tmp_path / 'images'
    folder.mkdir()
    for index, (height, width) in enumerate(SIZES):
        ext = '.png' if index % 2 else '.jpg'
        cv2.imwrite(
            str(folder / f'img{index}{ext}'),
            make_image(index, height, width)[..., ::-1])
    classes = tmp_path / 'classes.txt'
    classes.write_text(CLASSES)
    return dict(
        root=tmp_path, folder=str(folder), classes=str(classes))


def run(data, out, *extra, threshold='0.0'):
    annotate_tool.main([
        data['folder'],
        str(out), '--threshold', threshold, '--classes', data['classes'],
        *SMOKE, *extra
    ])


def files(directory):
    """{relative path: bytes} of every file under a directory."""
    out = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = osp.join(root, name)
            with open(path, 'rb') as file:
                out[osp.relpath(path, directory)] = file.read()
    return out


def outputs(out):
    """Label and cache files (the manifest has no per-image content)."""
    return {
        k: v
        for k, v in files(out).items() if k.startswith(('labels', 'cache'))
    }


@pytest.mark.e2e
def test_folder_end_to_end(data, capsys):
    out = data['root'] / 'out'
    run(data, out)
    printed = capsys.readouterr().out
    assert '5 done, 0 skipped' in printed and 'UNTRAINED' in printed
    for index, (height, width) in enumerate(SIZES):
        label = cv2.imread(
            str(out / 'labels' / f'img{index}.png'), cv2.IMREAD_UNCHANGED)
        assert label.shape == (height, width) and label.dtype == np.uint8
        assert set(np.unique(label)) <= {0, 1, 2, 3}
        assert (out / 'cache' / f'img{index}.npz').is_file()
    manifest = json.loads((out / 'manifest.json').read_text())
    assert manifest['labels']['threshold'] == 0.0
    assert manifest['labels']['unassigned_label'] == 0
    assert manifest['labels']['classes'] == [
        'background', 'cat', 'pottedplant', 'car'
    ]
    assert manifest['labels']['prompts'][1] == ['a photo of a potted plant.']
    assert manifest['random_init'] == 'tiny'
    assert manifest['untrained_models'] is True
    assert 'UNTRAINED' in manifest['models']['sam']['note']
    generator = manifest['annotator_settings']['sam_generator']
    assert generator['points_per_side'] == 4
    assert generator['crop_nms_thresh'] == 0.7  # SAM's default, recorded
    assert manifest['versions']['torch']
    assert manifest['annotator_settings']['sam_generator'][
        'pred_iou_thresh'] == 0.0  # random-init tiny turns SAM's filters off
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['done'] == 5 and summary['masks_per_image'] == 48


@pytest.mark.e2e
def test_resume_after_interruption_equals_uninterrupted(
        data, monkeypatch, capsys):
    from mmseg_zsl.annotation import ZeroShotAnnotator
    full = data['root'] / 'full'
    run(data, full)

    resumed = data['root'] / 'resumed'
    original = ZeroShotAnnotator.annotate
    calls = []

    def crash_after_two(self, *args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt('simulated kill')
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ZeroShotAnnotator, 'annotate', crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        run(data, resumed)
    assert len(os.listdir(resumed / 'labels')) == 2
    monkeypatch.setattr(ZeroShotAnnotator, 'annotate', original)
    capsys.readouterr()
    run(data, resumed)
    assert '3 done, 2 skipped' in capsys.readouterr().out
    assert outputs(resumed) == outputs(full)

    # Killed between the cache and the label: relabelled from the cache.
    os.remove(resumed / 'labels' / 'img3.png')
    monkeypatch.setattr(ZeroShotAnnotator, 'annotate', None)  # no SAM/CLIP
    run(data, resumed)
    assert '1 done, 4 skipped' in capsys.readouterr().out
    assert outputs(resumed) == outputs(full)


@pytest.mark.e2e
def test_relabel_equals_fresh_run_and_loads_no_sam(data, monkeypatch,
                                                   capsys):
    import mmseg_zsl.annotation.sam as sam_module
    first = data['root'] / 'first'
    run(data, first, threshold='-1')
    fresh = data['root'] / 'fresh'
    run(data, fresh, '--unassigned-label', '255', threshold='0.05')

    def no_sam(*args, **kwargs):
        raise AssertionError('relabel must not build SAM')

    monkeypatch.setattr(sam_module, 'build_random_sam', no_sam)
    monkeypatch.setattr(sam_module, 'build_sam', no_sam)
    run(data, first, '--relabel', '--unassigned-label', '255',
        threshold='0.05')
    assert 'relabel: 5 done' in capsys.readouterr().out
    assert files(first / 'labels') == files(fresh / 'labels')
    manifest = json.loads((first / 'manifest.json').read_text())
    assert manifest['labels']['threshold'] == 0.05
    assert manifest['history'][0]['threshold'] == -1.0

    def label_values():
        values = set()
        for content in files(first / 'labels').values():
            values |= set(np.unique(cv2.imdecode(
                np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)))
        return values

    # A cosine never exceeds 1: every pixel is unassigned.
    run(data, first, '--relabel', '--unassigned-label', '255',
        threshold='1.0')
    assert label_values() == {255}
    # Per-class thresholds: only 'cat' (label 1) can be assigned.
    thresholds = data['root'] / 'thresholds.json'
    thresholds.write_text(json.dumps({'default': 1.0, 'cat': -1.0}))
    run(data, first, '--relabel', '--unassigned-label', '255',
        threshold=str(thresholds))
    assert label_values() <= {1, 255}


@pytest.mark.e2e
def test_unreadable_image_is_reported_and_skipped(data, capsys):
    with open(osp.join(data['folder'], 'broken.jpg'), 'wb') as file:
        file.write(b'this is not a jpeg')
    out = data['root'] / 'out'
    run(data, out)
    captured = capsys.readouterr()
    assert '5 done, 0 skipped (already done), 1 failed of 6' in captured.out
    assert 'broken.jpg' in captured.err
    assert not (out / 'labels' / 'broken.png').exists()
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['failed'][0][0].endswith('broken.jpg')


def test_missing_checkpoint_says_where_to_get_it(data, tmp_path):
    with pytest.raises(FileNotFoundError, match='sam_vit_h_4b8939.pth'):
        annotate_tool.main([
            data['folder'],
            str(tmp_path / 'out'), '--threshold', '0.2', '--classes',
            data['classes'], '--sam-checkpoint',
            str(tmp_path / 'missing.pth'), '--device', 'cpu'
        ])


@pytest.mark.parametrize('classes,error,message', [
    ('NoSuchDataset', ValueError, 'neither a class file nor a dataset'),
    ('missing_classes.txt', FileNotFoundError, 'does not exist'),
])
def test_unknown_class_source(data, tmp_path, classes, error, message):
    with pytest.raises(error, match=message):
        annotate_tool.main([
            data['folder'],
            str(tmp_path / 'out'), '--threshold', '0.2', '--classes', classes,
            *SMOKE
        ])


def test_bad_class_file_and_unknown_threshold_class(data, tmp_path):
    bad = tmp_path / 'bad.txt'
    bad.write_text('cat\ndog\ncat\n')
    with pytest.raises(ValueError, match="'cat' repeats line 1"):
        annotate_tool.main([
            data['folder'],
            str(tmp_path / 'out'), '--threshold', '0.2', '--classes',
            str(bad), *SMOKE
        ])
    thresholds = tmp_path / 'thr.json'
    thresholds.write_text(json.dumps({'default': 0.2, 'horse': 0.3}))
    with pytest.raises(ValueError, match="'horse'"):
        run(data, tmp_path / 'out', threshold=str(thresholds))


@pytest.mark.e2e
def test_changed_settings_refuse_to_resume(data):
    out = data['root'] / 'out'
    run(data, out)
    with pytest.raises(ValueError, match='--relabel'):
        run(data, out, threshold='0.3')
    with pytest.raises(ValueError, match='gem.gem_depth: 7 there, 3 now'):
        run(data, out, '--gem-depth', '3')


def test_duplicate_stems_are_refused(data, tmp_path):
    cv2.imwrite(osp.join(data['folder'], 'img1.jpg'), make_image(9, 8, 8))
    with pytest.raises(ValueError, match='img1'):
        run(data, tmp_path / 'out')


@pytest.mark.e2e
def test_split_file_and_config_inputs_match_the_folder(data, capsys):
    root = data['root']
    (root / 'split.txt').write_text('images/img0.jpg labels/img0.png\n'
                                    'images/img1.png labels/img1.png')
    config = root / 'config.py'
    config.write_text(
        'train_dataloader = dict(dataset=dict(type="BaseSegDataset", '
        f'data_root={str(root)!r}, data_prefix=dict(img_path="images", '
        'seg_map_path="images"), img_suffix=".jpg", metainfo=dict('
        'classes=("background", "cat", "pottedplant", "car")), '
        'pipeline=[]))\n')
    folder_out, split_out, config_out = (root / n
                                         for n in ('f', 's', 'c'))
    run(data, folder_out)
    annotate_tool.main([
        str(root / 'split.txt'),
        str(split_out), '--data-root',
        str(root), '--threshold', '0.0', '--classes', data['classes'], *SMOKE
    ])
    assert '2 done' in capsys.readouterr().out
    annotate_tool.main([str(config), str(config_out), '--threshold', '0.0',
                        *SMOKE])
    assert '3 done' in capsys.readouterr().out  # the three .jpg images
    full = files(folder_out / 'labels')
    for out in (split_out, config_out):
        for name, content in files(out / 'labels').items():
            assert content == full[name], name


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.e2e
def test_dist_annotate_two_processes_equal_one(data):
    single = data['root'] / 'single'
    run(data, single)
    dist = data['root'] / 'dist'
    env = dict(
        os.environ,
        PYTHON=sys.executable,
        PORT=str(free_port()),
        OMP_NUM_THREADS='1')
    result = subprocess.run([
        'bash',
        osp.join(ROOT, 'tools', 'dist_annotate.sh'), data['folder'], '2',
        str(dist), '--threshold', '0.0', '--classes', data['classes'], *SMOKE
    ],
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '5 done, 0 skipped' in result.stdout
    assert 'over 2 processes' in result.stdout
    assert outputs(dist) == outputs(single)
    summary = json.loads((dist / 'summary.json').read_text())
    assert [r['total'] for r in summary['per_rank']] == [3, 2]


def test_overwrite_of_a_subset_with_other_settings_is_refused(data):
    """Otherwise the manifest would claim the new settings for images that
    keep the old ones, and a later resume would skip them all."""
    out = data['root'] / 'out'
    run(data, out)
    subset = data['root'] / 'subset'
    subset.mkdir()
    os.link(osp.join(data['folder'], 'img1.png'), subset / 'img1.png')
    with pytest.raises(ValueError, match='4 images annotated with other'):
        annotate_tool.main([
            str(subset), str(out), '--threshold', '0.0', '--classes',
            data['classes'], *SMOKE, '--gem-depth', '3', '--overwrite'
        ])
    # every image again: allowed
    run(data, out, '--gem-depth', '3', '--overwrite')
