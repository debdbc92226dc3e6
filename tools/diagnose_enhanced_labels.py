"""Would a checkpoint's enhanced labels beat the zero-shot labels?

Mode ``zsl`` trains the unlabeled images on the model's prediction where it
is confident (>= tau) and on the zero-shot label elsewhere. This tool runs a
checkpoint on images that have both a ground truth and a zero-shot label and
prints, per tau, the mIoU of the model's prediction, of the zero-shot label
and of the enhanced label, and, on the pixels whose label the enhancement
changes, how often the model or the zero-shot label is right.

Example (zero-shot labels of the labeled split from tools/annotate.py)::

    python tools/diagnose_enhanced_labels.py \\
        configs/zsl/segformer_b4_pascal_92.py work_dirs/zsl/epoch_10.pth \\
        --pseudo-label-dir work_dirs/zs_labeled/labels \\
        --ann-file splits/92/labeled.txt
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import mmseg_zsl  # noqa: E402,F401 isort: skip  (patches, registers)
from mmengine.config import Config, DictAction  # noqa: E402

from mmseg_zsl.models.segmentors.enhanced_label_quality import \
    diagnose_enhanced_labels  # noqa: E402
from mmseg_zsl.models.segmentors.semi_train_cfg import \
    resolve_semi_train_cfg  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool

COLUMNS = ('model_miou', 'zero_shot_miou', 'enhanced_miou', 'confident',
           'changed', 'changed_model_right', 'changed_zero_shot_right')


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='mIoU of a checkpoint\'s enhanced labels (mode zsl) '
        'against the zero-shot labels, on images with ground truth.')
    parser.add_argument('config', help='training config')
    parser.add_argument('checkpoint', help='checkpoint of that config')
    parser.add_argument(
        '--pseudo-label-dir',
        required=True,
        help='zero-shot labels <stem>.png of the images')
    parser.add_argument(
        '--ann-file',
        help='split of the images (default: the test dataset\'s), relative '
        'to its data_root')
    parser.add_argument(
        '--conf-thresh',
        type=float,
        nargs='+',
        default=None,
        help='thresholds tau (default: the config\'s, else 0.7)')
    parser.add_argument('--out', help='also write the results to this JSON')
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    for path, what in ((args.checkpoint, 'checkpoint'),
                       (args.pseudo_label_dir, 'zero-shot label directory')):
        if not osp.exists(path):
            raise SystemExit(f'{what} {path!r} does not exist')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    # the config's enhancement rule (tau, variant), else mode zsl's defaults
    semi_cfg = resolve_semi_train_cfg(
        dict(cfg.model.get('semi_train_cfg') or {}, mode='zsl'))
    threshes = args.conf_thresh or [semi_cfg['conf_thresh']]
    results = diagnose_enhanced_labels(
        cfg, args.checkpoint, args.pseudo_label_dir, threshes, args.ann_file,
        not args.no_progress, semi_cfg['to_background_thresh'],
        semi_cfg['background_index'])
    print(f'{results["num_images"]} images; mIoU and pixel shares in %; '
          '"changed" = pixels whose enhanced label differs from the '
          'zero-shot label')
    print('| tau | ' + ' | '.join(COLUMNS) + ' |')
    print('|---' * (len(COLUMNS) + 1) + '|')
    for key, row in results.items():
        if key.startswith('tau='):
            cells = ' | '.join(f'{row[c]:.1f}' for c in COLUMNS)
            print(f'| {key[4:]} | {cells} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    run_tool(main)
