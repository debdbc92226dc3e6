"""Time one training step of UniMatchZSSegmentor against plain PyTorch.

Both sides train the same model (same weights, same batch) with the same
work per step: pass 1 on ``cat(x_l, x_w)`` with the feature-perturbed copy
doubling the decode head's batch, pass 2 on ``cat(x_s1, x_s2)``, the
enhanced/CutMix targets, the four losses, backward and an SGD step.

- ``ours``: ``model.train_step`` on a collated pipeline batch (uint8 images,
  data samples), i.e. MultiBranchDataPreprocessor + UniMatchZSSegmentor.loss
  + mmengine's loss parsing + OptimWrapper.
- ``plain``: a hand-written PyTorch loop calling the same backbone and decode
  head directly on normalised tensors (UniMatch's training loop).

Each side runs in its own subprocess so that peak memory is measured cleanly
(CPU: peak RSS growth during the steps, ``resource.getrusage``; CUDA:
``torch.cuda.max_memory_allocated``). Sides alternate over ``--repeats`` and
the median ms/step is reported, with the ratio ours / plain.

Example::

    python tools/benchmark_train_step.py                 # MiT-B0, crop 321
    python tools/benchmark_train_step.py --crop 256 --steps 3
    python tools/benchmark_train_step.py \\
        --config configs/zsl/segformer_b4_pascal_183.py  # on a GPU
"""
import argparse
import json
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import mmseg_zsl  # noqa: E402,F401 isort: skip  (patches, registers)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmengine.config import Config, ConfigDict  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402

BRANCHES = ('sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2')
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def mit_b0_model(crop, num_classes):
    """SegFormer MiT-B0 (mmseg's sizes) in UniMatchZSSegmentor, BN."""
    preprocessor = dict(
        type='SegDataPreProcessor', mean=MEAN, std=STD, bgr_to_rgb=True,
        pad_val=0, seg_pad_val=255, size=(crop, crop))
    norm = dict(type='BN', requires_grad=True)
    return dict(
        type='UniMatchZSSegmentor',
        data_preprocessor=dict(
            type='MultiBranchDataPreprocessor',
            data_preprocessor=preprocessor),
        segmentor=dict(
            type='EncoderDecoder',
            data_preprocessor=preprocessor,
            backbone=dict(
                type='MixVisionTransformer', in_channels=3, embed_dims=32,
                num_stages=4, num_layers=[2, 2, 2, 2],
                num_heads=[1, 2, 5, 8], patch_sizes=[7, 3, 3, 3],
                sr_ratios=[8, 4, 2, 1], out_indices=(0, 1, 2, 3),
                mlp_ratio=4, qkv_bias=True, drop_path_rate=0.1),
            decode_head=dict(
                type='SegformerHead', in_channels=[32, 64, 160, 256],
                in_index=[0, 1, 2, 3], channels=256, dropout_ratio=0.1,
                num_classes=num_classes, norm_cfg=norm, align_corners=False,
                loss_decode=dict(
                    type='CrossEntropyLoss', avg_non_ignore=True)),
            train_cfg=dict(),
            test_cfg=dict(mode='whole')),
        semi_train_cfg=dict(mode='zsl'))


def _offline(node):
    """Drop pretrained weights and SyncBN from a model config, in place."""
    if isinstance(node, dict):
        node.pop('init_cfg', None)
        if 'pretrained' in node:
            node['pretrained'] = None
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _offline(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _offline(value)


def build_model(args, device):
    if args.config:
        cfg = Config.fromfile(args.config).model.to_dict()
        _offline(cfg)
        cfg['semi_train_cfg'] = dict(cfg.get('semi_train_cfg') or {},
                                     mode='zsl')
        cfg['data_preprocessor']['data_preprocessor']['size'] = (args.crop,
                                                                 args.crop)
    else:
        cfg = mit_b0_model(args.crop, args.num_classes)
    init_default_scope('mmseg')  # as the configs' default_scope
    torch.manual_seed(args.seed)
    return MODELS.build(ConfigDict(cfg)).to(device).train()


def make_batch(args, num_classes):
    """A collated pipeline batch: B_l labeled then B_u unlabeled samples."""
    g = torch.Generator().manual_seed(args.seed)
    n_l, n_u, s = args.num_labeled, args.num_unlabeled, args.crop

    def image():
        return torch.randint(0, 256, (3, s, s), generator=g,
                             dtype=torch.uint8)

    def label():
        y = torch.randint(0, num_classes, (1, s, s), generator=g)
        y[torch.rand(y.shape, generator=g) < 0.1] = 255
        return y

    def meta():
        return dict(img_shape=(s, s), pad_shape=(s, s), ori_shape=(s, s))

    data = dict(inputs={b: [] for b in BRANCHES},
                data_samples={b: [] for b in BRANCHES})
    for _ in range(n_l):
        data['inputs']['sup'].append(image())
        data['data_samples']['sup'].append(
            SegDataSample(metainfo=meta(),
                          gt_sem_seg=PixelData(data=label())))
        for b in BRANCHES[1:]:
            data['inputs'][b].append(None)
            data['data_samples'][b].append(None)
    for _ in range(n_u):
        weak, zs = image(), label()
        padding = torch.zeros(1, s, s, dtype=torch.uint8)
        padding[:, -s // 8:] = 1
        zs[padding.bool()] = 255
        data['inputs']['sup'].append(None)
        data['data_samples']['sup'].append(None)
        for b in BRANCHES[1:]:
            sample = SegDataSample(metainfo=meta())
            fields = dict(gt_sem_seg=zs.clone(), padding_mask=padding)
            if b != 'unsup_weak':
                box = torch.zeros(1, s, s, dtype=torch.uint8)
                box[:, s // 4:s // 2, s // 8:s // 2] = 1
                fields['cutmix_box'] = box
            sample.set_data({k: PixelData(data=v) for k, v in fields.items()})
            data['inputs'][b].append(weak.clone())
            data['data_samples'][b].append(sample)
    return data


def plain_inputs(data, device):
    """Normalised tensors and targets for the plain loop (done once)."""
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    out = {}
    for b in BRANCHES:
        x = torch.stack([t for t in data['inputs'][b] if t is not None])
        out[b] = (x.to(device).flip(1).float() - mean) / std  # BGR -> RGB
    samples = {
        b: [s for s in data['data_samples'][b] if s is not None]
        for b in BRANCHES
    }

    def field(b, name):
        return torch.stack([getattr(s, name).data[0]
                            for s in samples[b]]).to(device)

    out['y_l'] = field('sup', 'gt_sem_seg')
    out['zs'] = field('unsup_weak', 'gt_sem_seg')
    out['padding'] = field('unsup_weak', 'padding_mask').bool()
    out['box1'] = field('unsup_strong1', 'cutmix_box').bool()
    out['box2'] = field('unsup_strong2', 'cutmix_box').bool()
    return out


def plain_step(model, batch, optimizer, tau=0.7, p=0.5, ignore=255):
    """UniMatch's step with enhanced labels, in plain PyTorch."""
    backbone, head = model.segmentor.backbone, model.segmentor.decode_head
    n_l, n_u = batch['sup'].shape[0], batch['unsup_weak'].shape[0]
    size = batch['y_l'].shape[-2:]

    def up(x):
        return F.interpolate(x, size, mode='bilinear', align_corners=False)

    feats = backbone(torch.cat([batch['sup'], batch['unsup_weak']]))
    out = head([torch.cat([f, F.dropout2d(f, p, True)]) for f in feats])
    pred_l, pred_w = up(out[:n_l]), up(out[n_l:n_l + n_u])
    pred_fp = up(out[2 * n_l + n_u:])

    partner = torch.arange(n_u, device=out.device).roll(1)
    s1 = torch.where(batch['box1'][:, None], batch['unsup_strong1'][partner],
                     batch['unsup_strong1'])
    s2 = torch.where(batch['box2'][:, None], batch['unsup_strong2'][partner],
                     batch['unsup_strong2'])
    pred_s1, pred_s2 = up(head(backbone(torch.cat([s1, s2])))).chunk(2)

    conf, pl = pred_w.detach().softmax(1).max(1)
    zs = batch['zs']
    y = torch.where(conf >= tau, pl, zs)
    y[batch['padding'] | ((zs == ignore) & (conf < tau))] = ignore
    y1 = torch.where(batch['box1'], y[partner], y)
    y2 = torch.where(batch['box2'], y[partner], y)
    eps = 1.0 / out.shape[1]

    def ls(pred, target):
        return F.cross_entropy(
            pred, target, ignore_index=ignore, label_smoothing=eps)

    loss_x = F.cross_entropy(pred_l, batch['y_l'], ignore_index=ignore)
    loss_u = 0.5 * ls(pred_fp, y) + 0.25 * ls(pred_s1, y1) + \
        0.25 * ls(pred_s2, y2)
    loss = (loss_x + loss_u) / 2
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach()


def run_side(args):
    """Run one side in this process; print a JSON line with the results."""
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model = build_model(args, device)
    num_classes = model.num_classes
    data = make_batch(args, num_classes)
    sgd = dict(lr=1e-3, momentum=0.9, weight_decay=1e-4)
    if args.impl == 'ours':
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), **sgd))

        def step():
            return model.train_step(data, optim)['loss']
    else:
        optimizer = torch.optim.SGD(model.parameters(), **sgd)

        def step():
            # The data side's conversion (collated uint8 -> normalised
            # tensors) is part of the step, like ours.
            return plain_step(model, plain_inputs(data, device), optimizer)

    cuda = device.type == 'cuda'
    # Memory is measured from here (model, optimizer and batch exist), so
    # it covers the warm-up steps, where the peak is first reached.
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(args.warmup):
        step()
    times, cpu_times = [], []
    for _ in range(args.steps):
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = step()
        if cuda:
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
        assert torch.isfinite(loss), 'non-finite loss'
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = dict(
        impl=args.impl,
        ms_per_step=statistics.mean(times),
        cpu_ms_per_step=statistics.mean(cpu_times),
        peak_rss_mib=rss_after / 1024,
        rss_growth_mib=(rss_after - rss_before) / 1024)
    if cuda:
        result['peak_cuda_mib'] = torch.cuda.max_memory_allocated() / 2**20
    print('RESULT ' + json.dumps(result))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Time one UniMatchZSSegmentor training step against a '
        'plain-PyTorch loop on the same model and batch.')
    parser.add_argument('--config', help='take the model from this config '
                        '(pretrained weights dropped, SyncBN -> BN); '
                        'default: a SegFormer MiT-B0')
    parser.add_argument('--crop', type=int, default=321, help='crop side')
    parser.add_argument('--num-labeled', type=int, default=2)
    parser.add_argument('--num-unlabeled', type=int, default=2)
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--steps', type=int, default=5,
                        help='timed steps per run')
    parser.add_argument('--repeats', type=int, default=2,
                        help='runs per side (alternating)')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--impl', choices=['ours', 'plain'],
                        help=argparse.SUPPRESS)  # internal: one side
    return parser.parse_args()


def main():
    args = parse_args()
    if args.impl:
        run_side(args)
        return
    results = dict(ours=[], plain=[])
    argv = sys.argv[1:]
    for _ in range(args.repeats):
        for impl in ('ours', 'plain'):
            proc = subprocess.run(
                [sys.executable, osp.abspath(__file__), *argv, '--impl',
                 impl, '--threads', str(args.threads)],
                capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f'{impl} side failed:\n{proc.stderr[-3000:]}')
            line = [x for x in proc.stdout.splitlines()
                    if x.startswith('RESULT ')][-1]
            results[impl].append(json.loads(line[len('RESULT '):]))
            print(f'{impl:5s}: {results[impl][-1]}', flush=True)

    def med(impl, key):
        return statistics.median(r[key] for r in results[impl])

    mem_key = 'peak_cuda_mib' if args.device.startswith('cuda') else \
        'rss_growth_mib'
    m_ours, m_plain = med('ours', mem_key), med('plain', mem_key)
    print(f'device {args.device}, crop {args.crop}, batch '
          f'{args.num_labeled}+{args.num_unlabeled}, {args.threads} threads, '
          f'median of {args.repeats} runs x {args.steps} steps')
    for impl in ('ours', 'plain'):
        print(f'{impl:5s}: {med(impl, "ms_per_step"):9.1f} ms/step wall, '
              f'{med(impl, "cpu_ms_per_step"):9.1f} ms/step CPU time, '
              f'{mem_key} {med(impl, mem_key):8.1f} '
              f'(peak RSS {med(impl, "peak_rss_mib"):.0f} MiB)')
    print('ratio ours/plain: wall time {:.3f}, CPU time {:.3f} (steadier on '
          'a shared machine), memory {:.3f}'.format(
              med('ours', 'ms_per_step') / med('plain', 'ms_per_step'),
              med('ours', 'cpu_ms_per_step') /
              med('plain', 'cpu_ms_per_step'), m_ours / max(m_plain, 1e-9)))


if __name__ == '__main__':
    main()
