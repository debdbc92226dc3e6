"""tools/refine_pseudo_labels.py on the small toy world with a random-init
toy model: its labels against mmseg's own inference and the zero-shot
labels at the two extreme tau, the segment rule, resume, manifest, and the
inputs it refuses before writing anything."""
import hashlib
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmseg_zsl.annotation.refine import segment_owner
from mmseg_zsl.toy_world import read_label_png, simulate_pseudo_labels
from mmseg_zsl.toy_world.io import read_split_stems
from mmseg_zsl.utils.tool_exit import EXIT_FAILURES
from .test_toy_world_tools import _tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'toy', 'pseudo_toy.py')
SPLIT = 'splits/4/unlabeled.txt'


@pytest.fixture(scope='module')
def setup(small_world, tmp_path_factory):
    """World, simulated labels + segments, a random-init checkpoint."""
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('refine')
    world = str(small_world)
    pseudo, segments = str(root / 'pseudo'), str(root / 'segments')
    simulate_pseudo_labels(
        osp.join(world, 'masks'), osp.join(world, 'instances'), pseudo,
        quality=0.3, split_file=osp.join(world, 'splits', 'train.txt'),
        num_classes=6, show_progress=False, segments_dir=segments)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    checkpoint = str(root / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    # the same weights as a plain mmseg model (model.segmentor), for
    # mmseg's inference API
    plain = str(root / 'plain.pth')
    torch.save(dict(state_dict={
        k[len('segmentor.'):]: v
        for k, v in model.state_dict().items() if k.startswith('segmentor.')
    }, meta=dict(dataset_meta=None)), plain)
    options = [
        f'train_dataloader.dataset.unlabeled.data_root={world}',
        f'train_dataloader.dataset.unlabeled.ann_file={SPLIT}',
        f'train_dataloader.dataset.unlabeled.pseudo_label_dir={pseudo}'
    ]
    stems = read_split_stems(osp.join(world, SPLIT))
    return dict(world=world, pseudo=pseudo, segments=segments,
                checkpoint=checkpoint, plain=plain, options=options,
                stems=stems, root=root)


def refine(setup, out_dir, *flags, checkpoint=None, options=()):
    return _tool('refine_pseudo_labels').main([
        CONFIG, checkpoint or setup['checkpoint'], str(out_dir),
        '--no-progress', *flags, '--cfg-options', *setup['options'],
        *options
    ])


def labels(out_dir, stems):
    return {s: read_label_png(osp.join(out_dir, 'labels', s + '.png'))
            for s in stems}


def mmseg_probabilities(setup, stem):
    """Class probabilities from mmseg's inference API (an independent path:
    its own test pipeline and data handling), plain and flipped."""
    from mmseg.apis import inference_model, init_model
    cfg = Config.fromfile(CONFIG)
    cfg.model = cfg.model.segmentor
    cfg.model.backbone.init_cfg = None
    model = init_model(cfg, setup['plain'], device='cpu')
    path = osp.join(setup['world'], 'images', stem + '.png')
    import cv2
    bgr = cv2.imread(path)
    plain = inference_model(model, bgr).seg_logits.data.softmax(0)
    flipped = inference_model(model, np.ascontiguousarray(
        bgr[:, ::-1])).seg_logits.data.softmax(0).flip(-1)
    return plain, flipped


@pytest.mark.e2e
def test_extreme_tau_give_the_model_or_the_zero_shot_labels(setup, tmp_path):
    stems = setup['stems']
    refine(setup, tmp_path / 'all_model', '--tau', '0')
    refine(setup, tmp_path / 'all_model_flip', '--tau', '0', '--flip')
    refine(setup, tmp_path / 'none', '--tau', '1')
    zero_shot = {s: read_label_png(osp.join(setup['pseudo'], s + '.png'))
                 for s in stems}
    # tau 1: nothing is confident enough (a softmax of 6 classes < 1)
    none = labels(tmp_path / 'none', stems)
    assert all(np.array_equal(none[s], zero_shot[s]) for s in stems)
    manifest = json.loads((tmp_path / 'none' / 'manifest.json').read_text())
    assert manifest['refinement']['changed_pixels'] == 0
    # tau 0: the model's arg-max, as mmseg's inference_model computes it
    model_labels = labels(tmp_path / 'all_model', stems)
    flip_labels = labels(tmp_path / 'all_model_flip', stems)
    for stem in stems[:3]:
        plain, flipped = mmseg_probabilities(setup, stem)
        assert np.array_equal(model_labels[stem], plain.argmax(0).numpy())
        assert np.array_equal(flip_labels[stem],
                              ((plain + flipped) / 2).argmax(0).numpy())
    # the manifest's share of changed pixels, counted here
    changed = sum(int((model_labels[s] != zero_shot[s]).sum())
                  for s in stems)
    pixels = sum(zero_shot[s].size for s in stems)
    manifest = json.loads(
        (tmp_path / 'all_model' / 'manifest.json').read_text())
    assert manifest['refinement']['changed_pixels'] == changed > 0
    assert manifest['refinement']['changed_percent'] == pytest.approx(
        100 * changed / pixels)
    with open(setup['checkpoint'], 'rb') as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    assert manifest['models']['checkpoint']['sha256'] == digest
    assert manifest['annotator_settings']['tau'] == 0


@pytest.mark.e2e
def test_segments_are_decided_whole_and_runs_resume(setup, tmp_path, capsys):
    from mmseg_zsl.annotation.cache import ImageRecord
    out = tmp_path / 'seg'
    refine(setup, out, '--tau', '0', '--segments', setup['segments'])
    for stem, label in labels(out, setup['stems']).items():
        record = ImageRecord.from_file(
            osp.join(setup['segments'], 'cache', stem + '.npz'))
        owner = segment_owner(torch.from_numpy(
            record.decode_masks())).numpy()
        for index in np.unique(owner[owner >= 0]):
            assert len(np.unique(label[owner == index])) == 1
    capsys.readouterr()
    refine(setup, out, '--tau', '0', '--segments', setup['segments'])
    summary = json.loads((out / 'summary.json').read_text())
    assert (summary['done'], summary['skipped']) == (0, len(setup['stems']))
    assert capsys.readouterr().out.startswith(
        f'refine: 0 done, {len(setup["stems"])} skipped')
    with pytest.raises(ValueError, match='annotator_settings.tau: 0.0 there, '
                       '0.5 now'):
        refine(setup, out, '--tau', '0.5', '--segments', setup['segments'])


def test_refuses_bad_inputs_before_writing(setup, tmp_path):
    from mmseg.registry import MODELS
    cfg = Config.fromfile(CONFIG)
    cfg.model.segmentor.decode_head.num_classes = 3
    other = str(tmp_path / 'three_classes.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), other)
    with pytest.raises(ValueError, match=r'does not fit .*\(6 classes\)'):
        refine(setup, tmp_path / 'a', checkpoint=other)
    assert not osp.exists(tmp_path / 'a' / 'labels')

    partial = tmp_path / 'partial'
    partial.mkdir()
    for stem in setup['stems'][1:]:
        os.link(osp.join(setup['pseudo'], stem + '.png'),
                partial / (stem + '.png'))
    with pytest.raises(FileNotFoundError,
                       match=f'1 of {len(setup["stems"])} images have no '
                       f'zero-shot label .*{setup["stems"][0]}.png'):
        refine(setup, tmp_path / 'b', options=[
            f'train_dataloader.dataset.unlabeled.pseudo_label_dir={partial}'
        ])
    assert not osp.exists(tmp_path / 'b' / 'labels')

    from mmseg_zsl.annotation.cache import ImageRecord
    wrong = tmp_path / 'wrong_segments' / 'cache'
    wrong.mkdir(parents=True)
    for stem in setup['stems']:
        ImageRecord((10, 12), []).save(str(wrong / (stem + '.npz')))
    with pytest.raises(ValueError, match='segments .* are not the size'):
        refine(setup, tmp_path / 'c', '--segments', str(wrong.parent))
    assert not osp.exists(tmp_path / 'c' / 'labels')


@pytest.mark.e2e
def test_a_refused_run_exits_non_zero_with_one_line(setup, tmp_path):
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'refine_pseudo_labels.py'),
         CONFIG, str(tmp_path / 'missing.pth'), str(tmp_path / 'out'),
         '--cfg-options', *setup['options']],
        capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 1
    assert result.stderr.count('\n') == 1
    assert 'missing.pth' in result.stderr and 'does not exist' in \
        result.stderr


@pytest.mark.e2e
def test_an_unreadable_image_fails_the_run_not_the_others(setup, tmp_path):
    """Before: the run exited 0 with the image left out."""
    world = tmp_path / 'world'
    for name in ('images', 'splits', 'masks'):
        shutil.copytree(osp.join(setup['world'], name), world / name)
    stems = setup['stems']
    (world / 'images' / f'{stems[0]}.png').write_bytes(b'not a png')
    root = [f'train_dataloader.dataset.unlabeled.data_root={world}']
    out = tmp_path / 'out'
    assert refine(setup, out, options=root) == EXIT_FAILURES
    with open(out / 'failures.json') as file:
        items = json.load(file)['items']
    assert [osp.basename(item['path']) for item in items] == [
        f'{stems[0]}.png']
    assert items[0]['reason'].startswith('cannot read image')
    assert sorted(os.listdir(out / 'labels')) == sorted(
        f'{s}.png' for s in stems[1:])
    assert refine(setup, out, '--allow-failures', options=root) == 0
