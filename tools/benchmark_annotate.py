"""Per-stage time of zero-shot annotation on full-size random-weight models.

Stages per image: SAM image encoder; SAM mask generation without the encoder
(point decoding, filtering, NMS, RLE); CLIP/GEM dense features; pooling +
assignment; painting + writing (label PNG and cache file). Models are the
real architectures with random weights (SAM ``--sam-model-type`` via
``sam_model_registry`` with ``checkpoint=None``; open_clip's ``--clip-model``
with ``pretrained=None``), so timings match trained models, mask counts do
not: untrained SAM's masks are arbitrary. The pooling, assignment and
painting stages are therefore timed on ``--num-masks`` synthetic masks (a
typical count for ViT-H on PASCAL/COCO) as well as on SAM's own masks.

Example::

    python tools/benchmark_annotate.py --num-images 3 --device cpu
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-images', type=int, default=3)
    parser.add_argument(
        '--warmup', type=int, default=1, help='untimed images first')
    parser.add_argument('--height', type=int, default=375)
    parser.add_argument('--width', type=int, default=500)
    parser.add_argument('--sam-model-type', default='vit_b')
    parser.add_argument(
        '--clip-model',
        help='open_clip model name (default: the library\'s, '
        'ViT-B-16-quickgelu)')
    parser.add_argument('--image-size', type=int, default=448)
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument(
        '--num-masks',
        type=int,
        default=100,
        help='synthetic masks per image for the post-SAM stages')
    parser.add_argument('--threshold', type=float, default=0.2)
    parser.add_argument('--device', help='default: cuda if available')
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument('--out', help='write the timings to this JSON')
    return parser.parse_args(argv)


def synthetic_image(rng, height: int, width: int):
    """A smooth image with a few coloured ellipses (uint8 RGB)."""
    import numpy as np
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.stack([
        xx / width * 255, yy / height * 255,
        np.full((height, width), 128.0)
    ], -1)
    for _ in range(6):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        ry, rx = rng.uniform(20, height / 3), rng.uniform(20, width / 3)
        inside = ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 < 1
        image[inside] = rng.uniform(0, 255, size=3)
    return image.astype(np.uint8)


def synthetic_masks(rng, count: int, height: int, width: int):
    """``count`` random ellipse masks with areas from tiny to large."""
    import numpy as np
    yy, xx = np.mgrid[0:height, 0:width]
    masks = np.zeros((count, height, width), dtype=bool)
    for index in range(count):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        ry = rng.uniform(5, height / 2)
        rx = rng.uniform(5, width / 2)
        masks[index] = ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 < 1
    return masks


def main(argv=None) -> dict:
    import numpy as np
    import torch

    from mmseg_zsl.annotation import (ImageRecord, assign_labels,
                                      paint_label_map, sam_pooling)
    from mmseg_zsl.annotation.output_dir import encode_label_png
    from mmseg_zsl.apis.modes.zero_shot import build_zero_shot_models
    from mmseg_zsl.utils.files import atomic_write_bytes

    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    annotator, _ = build_zero_shot_models(
        sam_model_type=args.sam_model_type,
        clip_model=args.clip_model,
        clip_input=dict(image_size=args.image_size),
        random_init='full',
        device=device)
    encoder_time = [0.0]

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    def pre_hook(module, inputs):
        sync()
        encoder_time.append(time.perf_counter())

    def post_hook(module, inputs, output):
        sync()
        encoder_time[0] += time.perf_counter() - encoder_time.pop()

    encoder = annotator.mask_generator.sam.image_encoder
    encoder.register_forward_pre_hook(pre_hook)
    encoder.register_forward_hook(post_hook)

    num_text = args.num_classes - 1
    text = torch.nn.functional.normalize(
        torch.randn(num_text, annotator.clip.visual.output_dim), dim=-1)
    rng = np.random.default_rng(0)
    stages = {
        k: []
        for k in ('sam_encoder', 'sam_masks', 'clip_gem', 'pool_assign',
                  'paint_write', 'pool_assign_synthetic',
                  'paint_write_synthetic')
    }
    sam_counts = []
    out_dir = tempfile.mkdtemp(prefix='mmseg_zsl_bench_')
    # Warm-up images (allocations, CUDA kernels), not timed.
    for _ in range(args.warmup):
        annotator.annotate(synthetic_image(rng, args.height, args.width))

    def post_sam(masks, features):
        # SAM hands over COCO RLEs already; encoding them is not timed.
        rles = ImageRecord.encode_masks(masks)
        sync()
        start = time.perf_counter()
        embeddings = sam_pooling(masks, features)
        labels, _ = assign_labels(embeddings, text, args.threshold)
        sync()
        mid = time.perf_counter()
        label_ids = torch.where(labels >= 0, labels + 1, labels)
        label_map = paint_label_map(masks, label_ids.cpu(), 0)
        ImageRecord(masks.shape[1:], rles,
                    embeddings.cpu().numpy().astype(np.float16)).save(
                        osp.join(out_dir, 'x.npz'))
        atomic_write_bytes(
            osp.join(out_dir, 'x.png'), encode_label_png(label_map))
        return mid - start, time.perf_counter() - mid

    with torch.inference_mode():
        for _ in range(args.num_images):
            image = synthetic_image(rng, args.height, args.width)
            encoder_time[0] = 0.0
            sync()
            start = time.perf_counter()
            _, masks = annotator.segment(image)
            sync()
            segment = time.perf_counter() - start
            stages['sam_encoder'].append(encoder_time[0])
            stages['sam_masks'].append(segment - encoder_time[0])
            sam_counts.append(len(masks))
            start = time.perf_counter()
            features = annotator.dense_features(image)
            sync()
            stages['clip_gem'].append(time.perf_counter() - start)
            pool, paint = post_sam(masks, features)
            stages['pool_assign'].append(pool)
            stages['paint_write'].append(paint)
            fake = synthetic_masks(rng, args.num_masks, *image.shape[:2])
            pool, paint = post_sam(fake, features)
            stages['pool_assign_synthetic'].append(pool)
            stages['paint_write_synthetic'].append(paint)

    mean = {k: statistics.mean(v) for k, v in stages.items()}
    models = mean['sam_encoder'] + mean['sam_masks'] + mean['clip_gem']
    results = dict(
        device=device,
        threads=torch.get_num_threads(),
        images=args.num_images,
        image_size=[args.height, args.width],
        sam_model_type=args.sam_model_type,
        clip_model=f'{args.clip_model}@{args.image_size}',
        sam_masks_per_image=statistics.mean(sam_counts),
        synthetic_masks_per_image=args.num_masks,
        seconds_per_image=mean,
        share_of_sam_clip=dict(
            sam_masks=(mean['pool_assign'] + mean['paint_write']) / models,
            synthetic_masks=(mean['pool_assign_synthetic'] +
                             mean['paint_write_synthetic']) / models))
    print(f'device {device} ({results["threads"]} threads), '
          f'{args.num_images} images {args.width}x{args.height}, SAM '
          f'{args.sam_model_type}, CLIP {results["clip_model"]}')
    for key, value in mean.items():
        print(f'  {key:<24} {value:8.3f} s/image')
    print(f'  SAM masks per image: {results["sam_masks_per_image"]:.1f} '
          f'(synthetic: {args.num_masks})')
    print('  pooling+assignment+painting+writing / (SAM+CLIP): '
          f'{100 * results["share_of_sam_clip"]["sam_masks"]:.2f}% with '
          "SAM's masks, "
          f'{100 * results["share_of_sam_clip"]["synthetic_masks"]:.2f}% '
          f'with {args.num_masks} synthetic masks')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == '__main__':
    main()
