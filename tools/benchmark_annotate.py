"""Zero-shot annotation speed: our loop against segment_anything's, side by
side in one process, on the same images and models.

Per image and tier it times the whole annotation of ``tools/annotate.py``
but the file system: SAM's masks, GEM's dense features, pooling, labelling
and painting, and encoding the cache record and the label PNG.

- ``stock`` (``--compare-stock``): segment_anything's
  ``SamAutomaticMaskGenerator``, its RLEs decoded on the host and the masks
  uploaded again for pooling, painting in NumPy (what the annotator did
  before the exact tier);
- ``exact``: the default tier (:mod:`mmseg_zsl.annotation.amg`), whose
  outputs must equal the stock generator's byte for byte;
- ``fast`` (``--precision fast``): the fast tier
  (:mod:`mmseg_zsl.annotation.fast_sam`), compared with the exact one.

It ends with ``speedup X.XX (ours vs stock, s/image A vs B), outputs
identical: yes|no`` and, with ``--precision fast``, the fast tier's line
with its agreement figures. ``--random-init tiny|full`` uses untrained
models (no checkpoints; their masks are arbitrary, their timings real); then
SAM's quality filters are set so that a realistic share of the masks passes
them (``--keep-share``, of the first image's candidates). Without
``--random-init`` it takes ``tools/annotate.py``'s checkpoint flags.

Examples::

    python tools/benchmark_annotate.py --random-init tiny --num-images 4 \\
        --compare-stock --precision fast
    python tools/benchmark_annotate.py --sam-checkpoint sam_vit_h_4b8939.pth \\
        --compare-stock --precision fast --device cuda
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401 isort: skip  (compat patches)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    from mmseg_zsl.annotation.sam import RANDOM_INIT_CHOICES, SAM_MODEL_TYPES
    parser = ToolArgumentParser(
        description='Zero-shot annotation speed of the exact tier (and the '
        'stock generator, the fast tier) on the same images.')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed images first (default: 1)')
    parser.add_argument('--height', type=int, default=375)
    parser.add_argument('--width', type=int, default=500)
    parser.add_argument('--compare-stock', action='store_true',
                        help="also run segment_anything's generator")
    parser.add_argument('--precision', choices=('exact', 'fast'),
                        default='exact',
                        help='fast: also run the fast tier')
    parser.add_argument('--random-init', choices=RANDOM_INIT_CHOICES,
                        help='UNTRAINED models (timing only)')
    parser.add_argument('--keep-share', type=float, default=0.15,
                        help='random-init: share of the candidate masks '
                        'that passes the quality filters (default: 0.15)')
    parser.add_argument('--sam-model-type', choices=SAM_MODEL_TYPES,
                        default='vit_h')
    parser.add_argument('--sam-checkpoint')
    parser.add_argument('--clip-model',
                        help='default: the library\'s, ViT-B-16-quickgelu')
    parser.add_argument('--clip-pretrained')
    parser.add_argument('--image-size', type=int, default=448,
                        help='CLIP input side')
    parser.add_argument('--points-per-side', type=int,
                        help='SAM grid (default: SAM\'s 32; 8 with '
                        '--random-init tiny)')
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--device',
                        help='default: cuda if available, else cpu')
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument('--out', help='also write the results as JSON')
    return parser.parse_args(argv)


def synthetic_image(rng: np.random.Generator, height: int,
                    width: int) -> np.ndarray:
    """Colour blocks and noise, so that SAM has edges to find."""
    image = np.empty((height, width, 3), np.uint8)
    image[:] = rng.integers(0, 255, 3)
    for _ in range(6):
        y0, x0 = rng.integers(0, height - 8), rng.integers(0, width - 8)
        y1 = y0 + rng.integers(8, height // 2)
        x1 = x0 + rng.integers(8, width // 2)
        image[y0:y1, x0:x1] = rng.integers(0, 255, 3)
    noise = rng.integers(0, 12, image.shape, dtype=np.uint8)
    return image + noise


def quality_thresholds(sam, image: np.ndarray, points_per_side: int,
                       keep_share: float) -> dict:
    """Untrained SAM's filters: the predicted-IoU threshold that lets
    ``keep_share`` of the first image's candidates through, stability off."""
    from segment_anything import SamPredictor
    from segment_anything.utils.amg import build_point_grid
    predictor = SamPredictor(sam)
    predictor.set_image(image)
    points = build_point_grid(points_per_side) * np.array(
        image.shape[:2])[None, ::-1]
    coords = torch.as_tensor(
        predictor.transform.apply_coords(points, image.shape[:2]),
        device=predictor.device)
    with torch.inference_mode():
        _, iou, _ = predictor.predict_torch(
            coords[:, None],
            torch.ones(len(coords), 1, dtype=torch.int,
                       device=predictor.device),
            multimask_output=True)
    return dict(
        pred_iou_thresh=float(np.quantile(iou.float().cpu().numpy(),
                                          1 - keep_share)),
        stability_score_thresh=0.0)


class Tier:
    """One way of annotating an image, timed."""

    def __init__(self, name, annotate):
        self.name, self.annotate, self.seconds = name, annotate, []
        self.peak_bytes = 0


def main(argv=None) -> dict:
    from mmseg_zsl.annotation import (ImageRecord, ZeroShotLabeler,
                                      build_run_sam, sam_pooling)
    from mmseg_zsl.annotation.agreement import (matched_mask_iou,
                                                pixel_agreement)
    from mmseg_zsl.annotation.output_dir import encode_label_png
    from mmseg_zsl.apis.modes.zero_shot import build_zero_shot_models

    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cuda = device.startswith('cuda')
    rng = np.random.default_rng(0)
    images = [
        synthetic_image(rng, args.height, args.width)
        for _ in range(args.warmup + args.num_images)
    ]
    points = args.points_per_side or (8 if args.random_init == 'tiny' else
                                      32)
    models = dict(
        sam_model_type=args.sam_model_type,
        sam_checkpoint=args.sam_checkpoint,
        clip_model=args.clip_model,
        clip_pretrained=args.clip_pretrained,
        clip_input=dict(image_size=args.image_size),
        random_init=args.random_init,
        device=device)
    generator = dict(points_per_side=points)
    if args.random_init:
        probe, _ = build_run_sam(args.sam_model_type, None, args.random_init,
                                 device)
        generator.update(
            quality_thresholds(probe, images[0], points, args.keep_share))
        del probe
    annotator, _ = build_zero_shot_models(sam_generator=generator, **models)
    text = torch.nn.functional.normalize(
        torch.randn(args.num_classes - 1,
                    annotator.clip.visual.output_dim,
                    generator=torch.Generator().manual_seed(0)),
        dim=-1)
    labeler = ZeroShotLabeler(text, list(range(1, args.num_classes)), 0.0, 0)

    def finish(record, masks):
        label_map = labeler(record, masks)
        record.to_bytes(), encode_label_png(label_map)
        return label_map

    def ours(tier_annotator):
        def run(image):
            result = tier_annotator.annotate(image)
            return result.record, finish(result.record, result.masks)
        return run

    tiers = [Tier('exact', ours(annotator))]
    if args.compare_stock:
        from segment_anything import SamAutomaticMaskGenerator
        stock = SamAutomaticMaskGenerator(
            annotator.mask_generator.sam, output_mode='coco_rle',
            **generator)

        def run_stock(image):
            records = stock.generate(image)
            rles = [r['segmentation']['counts'].encode() for r in records]
            masks = ImageRecord(image.shape[:2], rles).decode_masks()
            features = annotator.dense_features(image)
            record = ImageRecord(
                image.shape[:2], rles,
                sam_pooling(masks, features).cpu().numpy().astype(
                    np.float16),
                dict(predicted_iou=np.array(
                    [r['predicted_iou'] for r in records], np.float32),
                     stability_score=np.array(
                         [r['stability_score'] for r in records],
                         np.float32)))
            return record, finish(record, masks)

        tiers.insert(0, Tier('stock', run_stock))
    if args.precision == 'fast':
        fast, _ = build_zero_shot_models(
            sam_generator=generator, precision='fast', **models)
        tiers.append(Tier('fast', ours(fast)))

    outputs = {tier.name: [] for tier in tiers}
    with torch.inference_mode():
        for index, image in enumerate(images):
            for tier in tiers:
                if cuda:
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                start = time.perf_counter()
                record, label_map = tier.annotate(image)
                if cuda:
                    torch.cuda.synchronize()
                    tier.peak_bytes = max(tier.peak_bytes,
                                          torch.cuda.max_memory_allocated())
                if index >= args.warmup:
                    tier.seconds.append(time.perf_counter() - start)
                    outputs[tier.name].append((record, label_map))

    print(f'device {device} ({torch.get_num_threads()} threads), '
          f'{args.num_images} images {args.width}x{args.height}, SAM '
          f'{"tiny" if args.random_init == "tiny" else args.sam_model_type}'
          f' ({points}x{points} points), '
          f'{"UNTRAINED " if args.random_init else ""}models; quality '
          f'filters {json.dumps({k: round(v, 4) for k, v in generator.items() if k != "points_per_side"})}')  # noqa: E501
    results = dict(device=device, images=args.num_images,
                   image_size=[args.height, args.width], tiers={})
    for tier in tiers:
        mean = statistics.mean(tier.seconds)
        masks = statistics.mean(r.num_masks for r, _ in outputs[tier.name])
        results['tiers'][tier.name] = dict(
            seconds_per_image=mean, images_per_second=1 / mean,
            masks_per_image=masks,
            peak_gpu_memory_gib=tier.peak_bytes / 2**30 if cuda else None)
        memory = (f', peak GPU memory {tier.peak_bytes / 2**30:.2f} GiB'
                  if cuda else '')
        print(f'{tier.name:>6}: {mean:.3f} s/image ({1 / mean:.2f} '
              f'images/s), {masks:.1f} masks/image{memory}')
    exact = outputs['exact']
    if args.compare_stock:
        identical = all(
            a.to_bytes() == b.to_bytes() and np.array_equal(la, lb)
            for (a, la), (b, lb) in zip(outputs['stock'], exact))
        stock_s = results['tiers']['stock']['seconds_per_image']
        exact_s = results['tiers']['exact']['seconds_per_image']
        results.update(speedup=stock_s / exact_s, identical=identical)
        print(f'speedup {stock_s / exact_s:.2f} (ours vs stock, s/image '
              f'{exact_s:.3f} vs {stock_s:.3f}), outputs identical: '
              f'{"yes" if identical else "no"}')
    if args.precision == 'fast':
        fast_out = outputs['fast']
        count_differs = sum(a.num_masks != b.num_masks
                            for (a, _), (b, _) in zip(exact, fast_out))
        iou = statistics.mean(
            matched_mask_iou(a.decode_masks(), b.decode_masks())
            for (a, _), (b, _) in zip(exact, fast_out))
        agree = statistics.mean(
            pixel_agreement(la, lb)
            for (_, la), (_, lb) in zip(exact, fast_out))
        fast_s = results['tiers']['fast']['seconds_per_image']
        exact_s = results['tiers']['exact']['seconds_per_image']
        results['fast_agreement'] = dict(
            images_with_other_mask_count=count_differs,
            matched_mask_iou=iou, label_pixel_agreement=agree)
        print(f'fast tier {exact_s / fast_s:.2f}x the exact tier ('
              f'{fast_s:.3f} vs {exact_s:.3f} s/image, {1 / fast_s:.2f} '
              f'images/s): mask count differs on {count_differs} of '
              f'{args.num_images} images, matched-mask IoU {iou:.4f}, '
              f'label-map pixel agreement {100 * agree:.2f} %')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == '__main__':
    run_tool(main)
