"""mAP@50 of U-SAM's masks against instance ground truth.

Recomputes the kept masks (class, confidence) of a U-SAM annotation from
its cache with the classifier and thresholds of its manifest (no SAM), and
scores them against instances with COCO's rules. For the label maps' mIoU
use tools/eval_pseudo_labels.py.

Examples::

    # the demo world: instances/<id>.png + instances/<id>.json
    python tools/eval_usam_masks.py work_dirs/usam_toy_labels \\
        --instances data/toy_world/instances

    # COCO
    python tools/eval_usam_masks.py work_dirs/usam_coco \\
        --coco-json data/coco/annotations/instances_train2017.json
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches, registries)
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Mask mAP (default mAP@50) of a U-SAM annotation.')
    parser.add_argument('out_dir', help='U-SAM annotation output directory')
    truth = parser.add_mutually_exclusive_group(required=True)
    truth.add_argument(
        '--instances',
        help='folder of <stem>.png instance ids + <stem>.json '
        '{"objects": [{"id", "class_id", "iscrowd"}]}')
    truth.add_argument('--coco-json', help='COCO instances JSON')
    parser.add_argument(
        '--iou-threshold',
        type=float,
        default=0.5,
        help='mask IoU of a match')
    parser.add_argument(
        '--checkpoint',
        help='classifier path, if it moved since annotation')
    parser.add_argument('--device', default='cpu', help='classifier device')
    parser.add_argument('--out', help='also write the results to this JSON')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    from mmseg_zsl.apis.usam_eval import evaluate_usam_masks
    args = parse_args(argv)
    results = evaluate_usam_masks(
        args.out_dir,
        instances_dir=args.instances,
        coco_json=args.coco_json,
        checkpoint=args.checkpoint,
        iou_threshold=args.iou_threshold,
        device=args.device)
    if results['untrained_models']:
        print('NOTE: these masks come from UNTRAINED random-init models')
    names = list(results['per_class'])
    width = max([len(n) for n in names] + [5])
    print(f"{'class':<{width}}  {'AP':>6}  {'inst':>6}")
    for name in names:
        print(f"{name:<{width}}  {results['per_class'][name]:6.2f}  "
              f"{results['num_instances'][name]:6d}")
    threshold = round(100 * args.iou_threshold)
    print(f"mAP@{threshold} {results['mAP']:.2f} over "
          f"{results['num_images']} images "
          f"({results['without_ground_truth']} without ground truth "
          'skipped)')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as file:
            json.dump(results, file, indent=2)
    return results


if __name__ == '__main__':
    run_tool(main)
