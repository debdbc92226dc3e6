"""Refine the zero-shot labels with a trained model (a second round's labels).

For every unlabeled image of CONFIG (``train_dataloader.dataset.unlabeled``:
``data_root``, ``ann_file``, ``pseudo_label_dir``) the checkpoint predicts as
``tools/test.py`` would (the config's test pipeline and ``test_cfg``), and
the refined label is its arg-max where its confidence reaches tau, else the
zero-shot label: the paper's enhancement (Eq. 7), offline, on whole images.
``--segments`` decides each SAM segment as a whole from its mean probability.
Output: ``OUT_DIR/labels/<stem>.png`` as ``tools/annotate.py`` writes them,
with its resume, ``--overwrite`` guard, manifest and sharding (torchrun).

Example (round 2 = train again on the refined labels)::

    python tools/refine_pseudo_labels.py configs/toy/pseudo_toy.py \\
        work_dirs/pseudo/epoch_24.pth work_dirs/refined --tau 0.7 --flip
    python tools/train.py configs/toy/pseudo_toy.py --cfg-options \\
        train_dataloader.dataset.unlabeled.pseudo_label_dir=$PWD/work_dirs/refined/labels
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

import mmseg_zsl  # noqa: F401 isort: skip  (compat patches, registries)
from mmengine.config import Config, DictAction

from mmseg_zsl.annotation.output_dir import (cached_stems, read_manifest,
                                             write_manifest)
from mmseg_zsl.apis import DistInfo, annotate
from mmseg_zsl.apis.modes.refine import REFINE_DATASET_KEY, refinement_counts
from mmseg_zsl.apis.summary import RunSummary
from mmseg_zsl.utils.files import image_stem
from mmseg_zsl.utils.tool_exit import (ToolArgumentParser, allow_failures_help,
                                       exit_status_help, exit_tool,
                                       finished_status, run_tool)


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        epilog=exit_status_help(),
        description='Refined pseudo labels: a checkpoint\'s prediction '
        'where its confidence >= tau, else the zero-shot label (Eq. 7 '
        'offline), for the unlabeled images of a training config.')
    parser.add_argument('config', help='training config (its unlabeled '
                        'dataset and zero-shot labels, model, test_cfg)')
    parser.add_argument('checkpoint', help='a checkpoint of that config')
    parser.add_argument('out_dir', help='output directory (labels/ inside)')
    parser.add_argument(
        '--tau', type=float,
        help='confidence threshold (default: mode zsl\'s conf_thresh, 0.7, '
        'the paper\'s)')
    parser.add_argument(
        '--segments',
        help='annotation output (or cache) directory of the same images: '
        'each of its masks is decided as a whole from its mean probability')
    parser.add_argument(
        '--flip', action='store_true',
        help='average the probabilities with the flipped image\'s')
    parser.add_argument('--device', help='default: this rank\'s GPU, else CPU')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='refine images again even if done (default: resume)')
    parser.add_argument(
        '--allow-failures', action='store_true', help=allow_failures_help())
    parser.add_argument('--no-progress', action='store_true',
                        help='hide the progress bar')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, xxx=yyy (e.g. '
        f'{REFINE_DATASET_KEY}.pseudo_label_dir=...)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Returns the exit status (docs/annotation.md, "Exit status")."""
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config {args.config!r} does not exist.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    own, merged = annotate(
        cfg, args.out_dir, mode='refine', overwrite=args.overwrite,
        dataset_key=REFINE_DATASET_KEY, device=args.device,
        progress=not args.no_progress, config=cfg,
        checkpoint=args.checkpoint, tau=args.tau, flip=args.flip,
        segments=args.segments)
    rank = DistInfo.from_env().rank
    if merged.ranks > 1:
        print(f'[rank {rank}] {own.line()}', flush=True)
    if rank == 0:
        _record_refinement(args, merged)
    # Every rank has the merged summary: all exit with the same status.
    return finished_status(merged, args.out_dir, args.allow_failures,
                           report=rank == 0)


def _record_refinement(args: argparse.Namespace,
                       merged: RunSummary) -> None:
    """Rank 0: the share changed into the manifest, and the result."""
    failed = {image_stem(path) for path, _ in merged.failed}
    stems = [s for s in cached_stems(args.out_dir) if s not in failed]
    counts = refinement_counts(args.out_dir, stems)
    manifest = read_manifest(args.out_dir)
    manifest['refinement'] = counts
    write_manifest(args.out_dir, manifest)
    labels = osp.join(args.out_dir, 'labels')
    print(merged.line(), flush=True)
    print(f'refined {counts["num_images"]} labels in {labels}: '
          f'{counts["changed_percent"]:.2f}% of the pixels changed, '
          f'{counts["confident_percent"]:.2f}% confident (tau '
          f'{manifest["annotator_settings"]["tau"]:g})'
          f'; train on them with --cfg-options {REFINE_DATASET_KEY}.'
          f'pseudo_label_dir={osp.abspath(labels)}', flush=True)


if __name__ == '__main__':
    exit_tool(run_tool(main, resumable=True))
