"""Per-class IoU and mIoU of pseudo labels against ground truth.

Works on an annotation output directory (``labels/`` + ``manifest.json``;
the threshold and models are printed) or on any directory of ``<stem>.png``
label maps. Areas are accumulated over all images with mmseg's own IoUMetric
code, as in mmseg's evaluation.

Example::

    python tools/eval_pseudo_labels.py work_dirs/zs_voc \\
        data/VOCdevkit/VOC2012/SegmentationClass --classes PascalVOCDataset
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches, registries)
from mmseg_zsl.utils import values_outside_classes
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='mIoU of pseudo labels against ground-truth label PNGs.')
    parser.add_argument(
        'pred_dir',
        help='annotation output dir (with labels/) or a dir of <stem>.png')
    parser.add_argument('gt_dir', help='dir of ground-truth <stem>.png')
    classes = parser.add_mutually_exclusive_group()
    classes.add_argument('--num-classes', type=int, help='number of classes')
    classes.add_argument(
        '--classes',
        help='class file or mmseg dataset type (default: the manifest\'s '
        'classes)')
    parser.add_argument(
        '--ignore-index',
        type=int,
        default=255,
        help='ground-truth label to ignore')
    parser.add_argument(
        '--gt-suffix', default='.png', help='ground-truth file suffix')
    parser.add_argument(
        '--instances',
        help='U-SAM outputs only: instance ground truth (a folder of '
        '<stem>.png + <stem>.json, or a COCO instances JSON) to also report '
        'the mAP@50 of the kept masks')
    parser.add_argument('--out', help='also write the results to this JSON')
    return parser.parse_args(argv)


def read_label(path: str):
    """Label indices as mmseg's LoadAnnotations reads them (pillow)."""
    import mmcv
    with open(path, 'rb') as file:
        content = file.read()
    label = mmcv.imfrombytes(content, flag='unchanged',
                             backend='pillow').squeeze()
    if label.ndim != 2:
        raise ValueError(
            f'{path} is a {label.shape[-1]}-channel image, not a label map: '
            'labels are single-channel PNGs of class indices (mode L or P, '
            'as tools/annotate.py writes them).')
    return label


def main(argv=None) -> dict:
    import numpy as np
    import torch
    from mmseg.evaluation.metrics import IoUMetric

    from mmseg_zsl.annotation.output_dir import read_manifest
    from mmseg_zsl.apis import resolve_class_names

    args = parse_args(argv)
    manifest = read_manifest(args.pred_dir)
    label_dir = osp.join(args.pred_dir, 'labels')
    if not osp.isdir(label_dir):
        label_dir = args.pred_dir
    if args.num_classes is not None:
        names = [str(i) for i in range(args.num_classes)]
    elif args.classes is not None:
        names = resolve_class_names(args.classes)[0]
    elif manifest is not None:
        names = manifest['labels']['classes']
    else:
        raise ValueError(f'{args.pred_dir} has no manifest.json: pass '
                         '--num-classes or --classes.')
    num_classes = len(names)

    stems = sorted(
        name[:-4] for name in os.listdir(label_dir)
        if name.endswith('.png') and not name.startswith('.'))
    missing = [
        s for s in stems
        if not osp.isfile(osp.join(args.gt_dir, s + args.gt_suffix))
    ]
    missing_set = set(missing)
    stems = [s for s in stems if s not in missing_set]
    if not stems:
        raise FileNotFoundError(
            f'No label in {label_dir} has a ground truth '
            f'{args.gt_dir}/<stem>{args.gt_suffix}.')
    totals = [torch.zeros(num_classes, dtype=torch.float64) for _ in range(4)]
    outside = {}  # label file -> values that are no class and no ignore
    for stem in stems:
        pred = read_label(osp.join(label_dir, stem + '.png'))
        gt = read_label(osp.join(args.gt_dir, stem + args.gt_suffix))
        if pred.shape != gt.shape:
            raise ValueError(f'{stem}: pseudo label {pred.shape} and ground '
                             f'truth {gt.shape} differ in size.')
        bad = values_outside_classes(pred, num_classes, args.ignore_index)
        if bad:
            outside[stem] = bad
        areas = IoUMetric.intersect_and_union(
            torch.from_numpy(pred.astype(np.int64)),
            torch.from_numpy(gt.astype(np.int64)), num_classes,
            args.ignore_index)
        for total, area in zip(totals, areas):
            total += area.double()
    metrics = IoUMetric.total_area_to_metrics(*totals, metrics=['mIoU'])
    iou = np.asarray(metrics['IoU'], dtype=np.float64) * 100
    acc = np.asarray(metrics['Acc'], dtype=np.float64) * 100
    results = dict(
        mIoU=float(np.nanmean(iou)),
        aAcc=float(metrics['aAcc']) * 100,
        num_images=len(stems),
        without_ground_truth=len(missing),
        per_class={n: (None if np.isnan(v) else float(v))
                   for n, v in zip(names, iou)})

    if manifest is not None:
        labels = manifest.get('labels', {})
        print(f"threshold: {labels.get('threshold')}, unassigned label: "
              f"{labels.get('unassigned_label')}, annotator: "
              f"{manifest.get('annotator')}")
        print(f"models: {json.dumps(manifest.get('models'))}")
        if manifest.get('untrained_models'):
            print('NOTE: these labels come from UNTRAINED random-init models')
    width = max(len(n) for n in names)
    print(f"{'class':<{width}}  {'IoU':>6}  {'Acc':>6}")
    for name, class_iou, class_acc in zip(names, iou, acc):
        print(f'{name:<{width}}  {class_iou:6.2f}  {class_acc:6.2f}')
    print(f"mIoU {results['mIoU']:.2f}, aAcc {results['aAcc']:.2f} over "
          f'{len(stems)} images ({len(missing)} labels without ground truth '
          'skipped)')
    if outside:
        shown = ', '.join(f'{s}: {v}' for s, v in list(outside.items())[:3])
        results['labels_outside_classes'] = outside
        print(f'WARNING: {len(outside)} label files hold values outside the '
              f'{num_classes} classes (0..{num_classes - 1}, '
              f'{args.ignore_index} = ignore), counted as misses: {shown}'
              f'{", ..." if len(outside) > 3 else ""}. Were they made with '
              'another class list?', flush=True)
    if args.instances:
        from mmseg_zsl.apis import evaluate_usam_masks
        is_json = args.instances.endswith('.json')
        ap = evaluate_usam_masks(
            args.pred_dir,
            instances_dir=None if is_json else args.instances,
            coco_json=args.instances if is_json else None)
        results.update(mAP50=ap['mAP'], AP50_per_class=ap['per_class'])
        print(f"mask mAP@50 {ap['mAP']:.2f} over {ap['num_images']} images")
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == '__main__':
    run_tool(main)
