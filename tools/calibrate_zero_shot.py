"""Tune the zero-shot labeller on the labelled split, then annotate the rest.

Annotates the labelled images into an annotation directory (cached and
resumable, exactly as tools/annotate.py), then searches, from that cache
alone, the similarity threshold (global and per class) and each class's
prompt (templates x synonyms) that maximise pseudo-label mIoU against the
labelled ground truth, cross-validated. Writes ``settings.json`` (for
``tools/annotate.py --settings``) and ``report.json`` to
``<out_dir>/calibration/``.

Examples::

    # PASCAL VOC, 183 labelled images (ground truth: the split's 2nd column)
    python tools/calibrate_zero_shot.py splits/pascal/183/labeled.txt \\
        work_dirs/zs_voc_labeled --data-root data/VOCdevkit/VOC2012 \\
        --classes PascalVOCDataset --threshold 0.2 \\
        --sam-checkpoint checkpoints/sam_vit_h_4b8939.pth \\
        --synonyms synonyms.txt

    # again from the cache only (new synonyms, no SAM)
    python tools/calibrate_zero_shot.py splits/pascal/183/labeled.txt \\
        work_dirs/zs_voc_labeled --data-root data/VOCdevkit/VOC2012 \\
        --skip-annotation --synonyms synonyms.txt
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: F401  (compat patches, registries)
from mmseg_zsl.apis.calibrate import calibrate_zero_shot
from mmseg_zsl.apis.cli import (add_input_arguments, add_label_arguments,
                                add_model_arguments, zero_shot_label_options,
                                zero_shot_model_options)
from mmseg_zsl.utils import drop_none, exit_distributed_run
from mmseg_zsl.utils.tool_exit import ToolArgumentParser, run_tool


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Calibrate the zero-shot labeller (threshold, prompts) '
        'on labelled images and write settings for tools/annotate.py.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument(
        'input',
        help='the labelled images: mmseg config, split file (ground truth '
        'in its second column) or image folder (with --gt-dir)')
    parser.add_argument(
        'out_dir',
        help='annotation directory of the labelled images (cache shared '
        'with tools/annotate.py, resumed)')
    parser.add_argument(
        '--skip-annotation',
        action='store_true',
        help='use the cache of out_dir as it is (no SAM, no image tower)')
    add_label_arguments(
        parser, 'annotation of the labelled images (the "before" settings; '
        '--threshold is required unless --skip-annotation)')
    add_input_arguments(parser)
    add_model_arguments(parser)

    gt = parser.add_argument_group('ground truth')
    gt.add_argument(
        '--gt-dir',
        help='directory of <stem>.png ground truth (default: the split '
        "file's second column or the config's seg_map_path)")
    gt.add_argument('--gt-suffix', help='ground-truth suffix (default .png)')
    gt.add_argument(
        '--ignore-index', type=int, help='ignored label (default 255)')

    search = parser.add_argument_group('search')
    search.add_argument(
        '--synonyms',
        help="synonym file, lines 'class: synonym1, synonym2'")
    search.add_argument(
        '--candidate-templates',
        nargs='+',
        help="templates to try, with '{}' (default: 7 CLIP templates)")
    search.add_argument(
        '--no-prompt-search',
        dest='prompt_search',
        action='store_const',
        const=False,
        help='keep the annotation run\'s prompts')
    search.add_argument(
        '--no-per-class',
        dest='per_class',
        action='store_const',
        const=False,
        help='one threshold for all classes')
    search.add_argument(
        '--folds', type=int, help='cross-validation folds (default 5)')
    search.add_argument('--seed', type=int, help='fold seed (default 0)')
    search.add_argument(
        '--rounds', type=int, help='coordinate-ascent passes (default 2)')
    search.add_argument(
        '--max-candidates',
        type=int,
        help='thresholds tried per search at most (default 20000)')
    search.add_argument(
        '--min-gain',
        type=float,
        help='mIoU points a per-class change must gain (default 0)')
    search.add_argument(
        '--work-dir',
        help='where settings.json and report.json go '
        '(default: <out_dir>/calibration)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide progress bars')
    return parser.parse_args(argv)


def main(argv=None):
    from mmseg_zsl.calibration import format_report
    args = parse_args(argv)
    if args.threshold is None and not args.skip_annotation:
        raise SystemExit(
            'calibrate_zero_shot.py: --threshold is needed to annotate the '
            'labelled images (your current guess, e.g. 0.2: it gives the '
            "'before' numbers); with an annotated out_dir, pass "
            '--skip-annotation instead.')
    options = dict(
        data_root=args.data_root,
        dataset_key=args.dataset_key,
        gt_dir=args.gt_dir,
        gt_suffix=args.gt_suffix,
        ignore_index=args.ignore_index,
        synonyms=args.synonyms,
        candidate_templates=args.candidate_templates,
        prompt_search=args.prompt_search,
        per_class=args.per_class,
        folds=args.folds,
        seed=args.seed,
        rounds=args.rounds,
        max_candidates=args.max_candidates,
        min_gain=args.min_gain,
        work_dir=args.work_dir,
        device=args.device)
    output = calibrate_zero_shot(
        args.input,
        args.out_dir,
        annotate=not args.skip_annotation,
        progress=not args.no_progress,
        **drop_none(options),
        **zero_shot_label_options(args),
        **zero_shot_model_options(args))
    if output is None:  # not rank 0 of a distributed annotation
        return None
    _, report = output
    print(format_report(report), flush=True)
    print(f"settings: {report['settings_file']}", flush=True)
    print('annotate the unlabelled images with: tools/annotate.py INPUT '
          f"OUT_DIR --settings {report['settings_file']}", flush=True)
    return report


if __name__ == '__main__':
    run_tool(main, resumable=True)
    exit_distributed_run()
