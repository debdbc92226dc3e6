"""UniMatchZSSegmentor: passes, targets, weights, modes, delegation."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from mmseg.models.utils import resize
from mmseg.registry import MODELS

import mmseg_zsl  # noqa: F401  (registers)
from .utils import (IGNORE, NUM_CLASSES, SIZE, make_batch, tiny_deeplabv3plus,
                    tiny_segformer, wrapped)

ALL = ('sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2')
# As in a Runner (default_scope='mmseg'): BaseModel builds the data
# preprocessor from mmengine's root registry, which searches the scope.
init_default_scope('mmseg')


def _build(segmentor=None, **semi_train_cfg):
    torch.manual_seed(0)
    return MODELS.build(wrapped(segmentor or tiny_segformer(),
                                **semi_train_cfg))


def _up(logits):
    return resize(logits, (SIZE, SIZE), mode='bilinear', align_corners=False)


def _stack(samples, field):
    return torch.stack([getattr(s, field).data[0] for s in samples])


def _record_batches(module, levels=None):
    """Record, per forward, the batch size of every feature level (and the
    features themselves in ``levels``). Wraps ``forward`` so that calls from
    mmseg's ``loss`` (which bypass hooks) are seen too."""
    calls = []
    forward = module.forward

    def recording_forward(inputs, *args, **kwargs):
        calls.append([f.shape[0] for f in inputs])
        if levels is not None:
            levels.append([f.detach() for f in inputs])
        return forward(inputs, *args, **kwargs)

    module.forward = recording_forward
    return calls


class _Reference:
    """Expected tensors computed independently of the segmentor's code.

    The model is in eval mode (BN running statistics, no head dropout) and
    ``fp_dropout=0``, so every forward is per-sample and p_fp == p_w.
    """

    def __init__(self, model, inputs, samples):
        seg = model.segmentor
        x_l, x_w = inputs['sup'], inputs['unsup_weak']
        with torch.no_grad():
            logits = seg._forward(torch.cat([x_l, x_w]))
        self.logits_l, self.logits_w = logits[:2], logits[2:]
        self.conf, self.pred = _up(self.logits_w).softmax(1).max(1)
        self.zs = _stack(samples['unsup_weak'], 'gt_sem_seg')
        self.padding = _stack(samples['unsup_weak'], 'padding_mask').bool()
        self.y_l = _stack(samples['sup'], 'gt_sem_seg')
        # CutMix by hand: partner of image 0 is image 1 and vice versa.
        self.boxes, strong = [], []
        for branch in ('unsup_strong1', 'unsup_strong2'):
            box = _stack(samples[branch], 'cutmix_box').bool()
            x = inputs[branch].clone()
            for i, j in ((0, 1), (1, 0)):
                x[i][:, box[i]] = inputs[branch][j][:, box[i]]
            self.boxes.append(box)
            strong.append(x)
        with torch.no_grad():
            self.logits_s = seg._forward(torch.cat(strong)).chunk(2)

    def mix(self, target, k):
        mixed = target.clone()
        box = self.boxes[k]
        for i, j in ((0, 1), (1, 0)):
            mixed[i][box[i]] = target[j][box[i]]
        return mixed

    def sup_loss(self):
        return F.cross_entropy(
            _up(self.logits_l), self.y_l, ignore_index=IGNORE)


@pytest.mark.parametrize('segmentor', [tiny_segformer, tiny_deeplabv3plus])
def test_perturbed_head_sees_doubled_batch_with_channel_dropout(segmentor):
    model = _build(segmentor())
    levels = []
    calls = _record_batches(model.segmentor.decode_head, levels)
    inputs, samples = make_batch()
    model.loss(inputs, samples)

    num_levels = len(calls[0])
    # Pass 1: 2 x (2 labeled + 2 weak) on every level; pass 2: 2 + 2 strong.
    assert calls == [[8] * num_levels, [4] * num_levels]
    for feat in levels[0]:
        clean, perturbed = feat[:4], feat[4:]
        dropped = perturbed.flatten(2).abs().sum(-1) == 0
        kept = ~dropped
        # Kept channels are scaled by 1 / (1 - p) = 2 (Dropout2d, p = 0.5).
        torch.testing.assert_close(perturbed[kept], 2 * clean[kept])
        assert 0.2 < dropped.float().mean().item() < 0.8


def test_auxiliary_head_sees_labeled_clean_features_only():
    model = _build(tiny_deeplabv3plus())
    calls = _record_batches(model.segmentor.auxiliary_head)
    inputs, samples = make_batch()
    losses = model.loss(inputs, samples)
    assert calls == [[2, 2, 2, 2]]
    assert 'sup.aux.loss_ce' in losses


def _median_conf(ref):
    return ref.conf[~ref.padding].median().item()


def test_zsl_losses_and_weights_match_hand_computation():
    model = _build(mode='zsl', fp_dropout=0.0).eval()
    inputs, samples = make_batch()
    ref = _Reference(model, inputs, samples)
    # A threshold in the middle of the confidences mixes both sources.
    tau = _median_conf(ref)
    model.semi_train_cfg['conf_thresh'] = tau

    confident = ref.conf >= tau
    y_e = torch.where(confident, ref.pred, ref.zs)
    y_e[ref.padding | ((ref.zs == IGNORE) & ~confident)] = IGNORE
    eps = 1 / NUM_CLASSES

    def ls_ce(logits, target):
        return F.cross_entropy(
            _up(logits), target, ignore_index=IGNORE, label_smoothing=eps)

    expected = {
        'sup.decode.loss_ce': 0.5 * ref.sup_loss(),
        'unsup.loss_fp': 0.5 * 0.5 * ls_ce(ref.logits_w, y_e),
        'unsup.loss_s1': 0.5 * 0.25 * ls_ce(ref.logits_s[0], ref.mix(y_e, 0)),
        'unsup.loss_s2': 0.5 * 0.25 * ls_ce(ref.logits_s[1], ref.mix(y_e, 1)),
    }
    losses = model.loss(inputs, samples)
    assert {k for k in losses if 'loss' in k} == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value, msg=key)
    total, log_vars = model.parse_losses(losses)
    torch.testing.assert_close(total, sum(expected.values()))

    valid = ~ref.padding
    has_target = y_e != IGNORE
    torch.testing.assert_close(
        log_vars['unsup.conf_ratio'],
        ((confident & valid).sum() / valid.sum()).float())
    torch.testing.assert_close(
        log_vars['unsup.model_label_ratio'],
        ((confident & has_target).sum() / has_target.sum()).float())
    assert 0 < log_vars['unsup.model_label_ratio'] < 1


def test_zsl_variants_guarded_target_and_weak_view_loss():
    """to_background_thresh and weak_weight against a hand-built target."""
    model = _build(mode='zsl', fp_dropout=0.0, smoothing=0.0,
                   weak_weight=0.5).eval()
    inputs, samples = make_batch()
    ref = _Reference(model, inputs, samples)
    tau = _median_conf(ref)
    strict = ref.conf[~ref.padding].quantile(0.9).item()
    confident = ref.conf >= tau
    # The random model's most frequent confident class plays background, so
    # that the guard has pixels to act on.
    bg = ref.pred[confident].mode().values.item()
    model.semi_train_cfg.update(
        conf_thresh=tau, to_background_thresh=strict, background_index=bg)

    # A zero-shot object pixel that the model calls background keeps its
    # zero-shot class unless conf >= strict.
    guarded = ((ref.zs != bg) & (ref.zs != IGNORE) & (ref.pred == bg) &
               (ref.conf < strict))
    use_model = confident & ~guarded
    y_e = torch.where(use_model, ref.pred, ref.zs)
    y_e[ref.padding | ((ref.zs == IGNORE) & ~use_model)] = IGNORE
    assert guarded[confident].any(), 'the batch must exercise the guard'

    def ce(logits, target):
        return F.cross_entropy(_up(logits), target, ignore_index=IGNORE)

    losses = model.loss(inputs, samples)
    torch.testing.assert_close(losses['unsup.loss_fp'],
                               0.25 * ce(ref.logits_w, y_e))
    torch.testing.assert_close(losses['unsup.loss_s1'],
                               0.125 * ce(ref.logits_s[0], ref.mix(y_e, 0)))
    # The clean weak view: unsup_weight 0.5 x weak_weight 0.5.
    torch.testing.assert_close(losses['unsup.loss_weak'],
                               0.25 * ce(ref.logits_w, y_e))
    assert 'unsup.loss_weak' not in _build(mode='zsl').loss(inputs, samples)


def test_unimatch_losses_match_hand_computation():
    model = _build(mode='unimatch', fp_dropout=0.0).eval()
    inputs, samples = make_batch()
    ref = _Reference(model, inputs, samples)
    tau = _median_conf(ref)
    model.semi_train_cfg['conf_thresh'] = tau

    def masked_ce(logits, pred, conf, padding):
        ce = F.cross_entropy(_up(logits), pred, reduction='none')
        mask = (conf >= tau) & ~padding
        return (ce * mask).sum() / (~padding).sum()

    expected = {
        'sup.decode.loss_ce':
        0.5 * ref.sup_loss(),
        'unsup.loss_fp':
        0.25 * masked_ce(ref.logits_w, ref.pred, ref.conf, ref.padding),
        'unsup.loss_s1':
        0.125 * masked_ce(ref.logits_s[0], ref.mix(ref.pred, 0),
                          ref.mix(ref.conf, 0), ref.mix(ref.padding, 0)),
        'unsup.loss_s2':
        0.125 * masked_ce(ref.logits_s[1], ref.mix(ref.pred, 1),
                          ref.mix(ref.conf, 1), ref.mix(ref.padding, 1)),
    }
    losses = model.loss(inputs, samples)
    assert {k for k in losses if 'loss' in k} == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value, msg=key)
    assert 'unsup.model_label_ratio' not in losses


def test_unimatch_mode_defaults():
    model = _build(mode='unimatch')
    assert model.semi_train_cfg['conf_thresh'] == 0.95
    assert model.unsup_loss.smoothing == 0.0
    zsl = _build()
    assert zsl.semi_train_cfg['conf_thresh'] == 0.7
    assert zsl.unsup_loss.smoothing is None


def test_pseudo_mode_is_plain_ce_on_the_weak_view_in_one_pass():
    model = _build(mode='pseudo').eval()
    calls = _record_batches(model.segmentor.decode_head)
    inputs, samples = make_batch()
    ref = _Reference(model, inputs, samples)
    calls.clear()
    target = ref.zs.masked_fill(ref.padding, IGNORE)
    expected_pseudo = 0.5 * F.cross_entropy(
        _up(ref.logits_w), target, ignore_index=IGNORE)

    losses = model.loss(inputs, samples)
    assert calls == [[4, 4, 4, 4]]  # no perturbed copy, no strong pass
    assert {k for k in losses if 'loss' in k} == {
        'sup.decode.loss_ce', 'unsup.loss_pseudo'
    }
    torch.testing.assert_close(losses['unsup.loss_pseudo'], expected_pseudo)
    torch.testing.assert_close(losses['sup.decode.loss_ce'],
                               0.5 * ref.sup_loss())


def test_enhance_after_trains_as_pseudo_then_enhances():
    """zsl with enhance_after=2: iterations 1-2 are pseudo's plain CE of the
    weak view against the zero-shot label (not zsl's smoothed loss), the
    third zsl's enhanced targets; the count survives a checkpoint."""
    model = _build(mode='zsl', fp_dropout=0.0, enhance_after=2).eval()
    inputs, samples = make_batch()
    ref = _Reference(model, inputs, samples)
    target = ref.zs.masked_fill(ref.padding, IGNORE)
    expected_pseudo = 0.5 * F.cross_entropy(
        _up(ref.logits_w), target, ignore_index=IGNORE)
    for _ in range(2):
        losses = model.loss(inputs, samples)
        assert {k for k in losses if 'loss' in k} == {
            'sup.decode.loss_ce', 'unsup.loss_pseudo'
        }
        torch.testing.assert_close(losses['unsup.loss_pseudo'],
                                   expected_pseudo)
    resumed = _build(mode='zsl', fp_dropout=0.0, enhance_after=2).eval()
    assert int(resumed.train_iter) == 0
    load_state_dict(resumed, model.state_dict())
    assert int(resumed.train_iter) == 2
    tau = 0.7
    confident = ref.conf >= tau
    y_e = torch.where(confident, ref.pred, ref.zs)
    y_e[ref.padding | ((ref.zs == IGNORE) & ~confident)] = IGNORE
    losses = resumed.loss(inputs, samples)
    assert {k for k in losses if 'loss' in k} == {
        'sup.decode.loss_ce', 'unsup.loss_fp', 'unsup.loss_s1',
        'unsup.loss_s2', 'unsup.loss_pseudo'
    }
    # Still logged, as 0, so the log does not repeat the warm-up's last value.
    assert float(losses['unsup.loss_pseudo']) == 0.0
    torch.testing.assert_close(
        losses['unsup.loss_fp'], 0.5 * 0.5 * F.cross_entropy(
            _up(ref.logits_w), y_e, ignore_index=IGNORE,
            label_smoothing=1 / NUM_CLASSES))


def test_enhance_after_off_adds_no_buffer():
    """Checkpoints of every other config keep their keys."""
    assert 'train_iter' not in _build(mode='zsl').state_dict()


def test_supervised_mode_with_only_the_sup_branch():
    model = _build(tiny_deeplabv3plus(), mode='supervised')
    inputs, samples = make_batch(branches=('sup', ))
    losses = model.loss(inputs, samples)
    torch.manual_seed(1)
    expected = model.segmentor.loss(inputs['sup'], samples['sup'])
    assert set(losses) == {
        'sup.decode.loss_ce', 'sup.decode.acc_seg', 'sup.aux.loss_ce',
        'sup.aux.acc_seg'
    }
    # Weight 1: the wrapped model's own supervised loss.
    torch.testing.assert_close(losses['sup.aux.loss_ce'],
                               expected['aux.loss_ce'])


@pytest.mark.parametrize('cfg', [
    dict(mode='fixmatch'),
    dict(conf_tresh=0.9),
    dict(fp_dropout=1.0),
    dict(strong_weights=(0.25, 0.25, 0.5)),
    dict(to_background_thresh=-0.1),
    dict(weak_weight=-1.0),
    dict(enhance_after=-1),
    dict(enhance_after=2.5),
    dict(mode='pseudo', enhance_after=10),
])
def test_invalid_semi_train_cfg_raises(cfg):
    with pytest.raises(ValueError):
        _build(**cfg)


def test_missing_branch_raises_with_the_branch_names():
    model = _build(mode='zsl')
    inputs, samples = make_batch(branches=('sup', 'unsup_weak'))
    with pytest.raises(ValueError, match='unsup_strong1'):
        model.loss(inputs, samples)


def test_predict_and_tensor_modes_delegate_to_the_wrapped_model():
    model = _build().eval()
    inputs, samples = make_batch(branches=('sup', ))
    x = inputs['sup']
    with torch.no_grad():
        ours = model(x, copy.deepcopy(samples['sup']), mode='predict')
        theirs = model.segmentor.predict(x, copy.deepcopy(samples['sup']))
        torch.testing.assert_close(
            model(x, mode='tensor'), model.segmentor._forward(x))
    for a, b in zip(ours, theirs):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    assert model.num_classes == NUM_CLASSES
    assert model.align_corners is False


@pytest.mark.parametrize('prefix', ['', 'segmentor.'])
def test_loads_plain_and_own_checkpoints(prefix):
    torch.manual_seed(3)
    plain = MODELS.build(tiny_segformer())
    state = {prefix + k: v for k, v in plain.state_dict().items()}
    model = _build()
    load_state_dict(model, state, strict=True)
    for name, value in plain.state_dict().items():
        assert torch.equal(model.segmentor.state_dict()[name], value), name


def test_train_step_through_the_multi_branch_preprocessor():
    model = _build()
    inputs, samples = make_batch()
    # Back to the collated pipeline format: uint8 images, Nones for the
    # other stream (2 labeled + 2 unlabeled samples per batch).
    g = torch.Generator().manual_seed(5)
    data = dict(inputs={}, data_samples={})
    for branch in ALL:
        images = [
            torch.randint(0, 256, (3, SIZE, SIZE), generator=g,
                          dtype=torch.uint8)
            for _ in samples[branch]
        ]
        pad = [None] * 2
        first = branch == 'sup'
        data['inputs'][branch] = images + pad if first else pad + images
        data['data_samples'][branch] = (
            samples[branch] + pad if first else pad + samples[branch])
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = copy.deepcopy(model.segmentor.decode_head.state_dict())
    log_vars = model.train_step(data, optim)
    assert torch.isfinite(log_vars['loss'])
    assert log_vars['loss'] > 0
    after = model.segmentor.decode_head.state_dict()
    assert not torch.equal(before['conv_seg.weight'],
                           after['conv_seg.weight'])


def test_user_options_override_the_mode_defaults():
    model = _build(mode='zsl', smoothing=0.0, conf_thresh=0.8)
    assert model.unsup_loss.smoothing == 0.0
    assert model.semi_train_cfg['conf_thresh'] == 0.8


@pytest.mark.parametrize('mode', ['zsl', 'pseudo'])
def test_dummy_zero_shot_labels_are_refused(mode):
    """A dataset without pseudo_label_dir packs pseudo_label_path=None:
    modes that train on the zero-shot labels refuse, naming the key."""
    inputs, samples = make_batch()
    for sample in samples['unsup_weak']:
        sample.set_metainfo(dict(pseudo_label_path=None, img_path='u.jpg'))
    with pytest.raises(ValueError, match='unlabeled.pseudo_label_dir'):
        _build(mode=mode).loss(inputs, samples)
    # unimatch does not read them: the dummy labels are fine
    assert 'unsup.loss_fp' in _build(mode='unimatch').loss(inputs, samples)


def test_one_unlabeled_image_per_gpu_warns_once(monkeypatch):
    from mmseg_zsl.models.segmentors import unimatch_zs_segmentor as module
    warnings = []
    monkeypatch.setattr(module, 'print_log',
                        lambda message, **kwargs: warnings.append(message))
    model = _build()
    inputs, samples = make_batch(num_u=1)
    model.loss(inputs, samples)
    model.loss(inputs, samples)
    assert len(warnings) == 1 and 'mixed with itself' in warnings[0]
    model.loss(*make_batch(num_u=2))
    assert len(warnings) == 1
