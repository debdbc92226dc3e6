"""Train the U-SAM classifier from example images per class.

Embeds each example image once with SAM (a grid of point prompts, the
decoder's mask tokens of each prompt), then trains the teacher (MIL) and the
student (MIL + uncertainty distillation). Resumes by default; the classifier
for ``tools/annotate.py --prompts usam`` is ``<work_dir>/student.pth``.

Examples::

    # examples/<class name>/*.jpg, one object per image (docs/usam.md)
    python tools/train_usam.py data/usam_examples work_dirs/usam_voc \\
        --sam-checkpoint checkpoints/sam_vit_h_4b8939.pth

    # the demo world, untrained tiny SAM (structure only)
    python tools/train_usam.py data/toy_world/examples work_dirs/usam_toy \\
        --random-init tiny
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(__file__), '..'))

import mmseg_zsl  # noqa: E402,F401  (compat patches, registries)
from mmseg_zsl.annotation.sam import RANDOM_INIT_CHOICES  # noqa: E402
from mmseg_zsl.annotation.sam import SAM_MODEL_TYPES
from mmseg_zsl.annotation.usam.tokens import MASK_SELECTIONS  # noqa: E402
from mmseg_zsl.apis import usam_training  # noqa: E402
from mmseg_zsl.utils.tool_exit import ToolArgumentParser  # noqa: E402
from mmseg_zsl.utils.tool_exit import (allow_failures_help, exit_status_help,
                                       finish_items, run_tool)

UNC_REDUCTIONS = ('mean', 'sum')


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(
        description='Train the U-SAM mask classifier (teacher, then '
        'student) from single-object example images per class. Flags left '
        'unset keep the library defaults.',
        epilog=exit_status_help('example image', 'WORK_DIR'))
    parser.add_argument(
        'example_dir',
        help='folder with one sub-folder of images per class: '
        'DIR/<class name>/*.jpg|png')
    parser.add_argument(
        'work_dir', help='embedding cache, checkpoints, student.pth')
    parser.add_argument(
        '--classes',
        nargs='+',
        help='classifier classes (sub-folder names, in output order) or a '
        'class file; default: every sub-folder with images, sorted')

    sam = parser.add_argument_group('SAM and prompts')
    sam.add_argument(
        '--sam-model-type', choices=SAM_MODEL_TYPES, help='default: vit_h')
    sam.add_argument(
        '--sam-checkpoint',
        help='SAM weights, e.g. sam_vit_h_4b8939.pth from '
        'https://github.com/facebookresearch/segment-anything')
    sam.add_argument(
        '--random-init',
        choices=RANDOM_INIT_CHOICES,
        help='UNTRAINED random SAM (smoke tests and demos only)')
    sam.add_argument(
        '--points-per-side',
        type=int,
        help='n x n grid of point prompts, d = n^2 masks (default: 10)')
    sam.add_argument(
        '--points-per-batch',
        type=int,
        help='prompts decoded at once (memory only; default: 64)')
    sam.add_argument(
        '--mask-selection',
        choices=MASK_SELECTIONS,
        help="mask kept per point (default: best)")

    train = parser.add_argument_group('training')
    train.add_argument('--teacher-epochs', type=int, help='default: 20')
    train.add_argument('--student-epochs', type=int, help='default: 20')
    train.add_argument('--batch-size', type=int, help='default: 64')
    train.add_argument('--lr', type=float, help='Adam lr (default: 1e-3)')
    train.add_argument(
        '--topk-divisor',
        type=float,
        help='a of the MIL top-k, k = max(1, ceil(d / a)) (default: 8)')
    train.add_argument(
        '--hidden-channels',
        type=int,
        nargs=3,
        help='hidden widths of the 4-layer MLP (default: 512 256 128)')
    train.add_argument(
        '--mil-weight', type=float, help='lambda1 (default: 1.0)')
    train.add_argument(
        '--unc-weight', type=float, help='lambda2 (default: 0.15)')
    train.add_argument(
        '--entropy-threshold',
        type=float,
        help='teacher masks with entropy / log(C) above it are "bad" '
        '(default: 0.5)')
    train.add_argument(
        '--unc-mask-reduction',
        choices=UNC_REDUCTIONS,
        help="combine an image's bad masks by 'mean' (default) or 'sum'")
    train.add_argument('--seed', type=int, help='default: 0')
    train.add_argument(
        '--checkpoint-interval',
        type=int,
        help='epochs between resume checkpoints (default: 1)')

    run = parser.add_argument_group('run')
    run.add_argument(
        '--overwrite',
        action='store_true',
        help='start over: delete the embedding cache and checkpoints '
        '(default: resume)')
    run.add_argument(
        '--device', help='default: this process\'s GPU if any, else cpu')
    run.add_argument(
        '--no-progress', action='store_true', help='hide progress bars')
    run.add_argument(
        '--allow-failures',
        action='store_true',
        help=allow_failures_help('example image', 'WORK_DIR'))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    train = dict(
        teacher_epochs=args.teacher_epochs,
        student_epochs=args.student_epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        topk_divisor=args.topk_divisor,
        hidden_channels=args.hidden_channels,
        mil_weight=args.mil_weight,
        unc_weight=args.unc_weight,
        entropy_threshold=args.entropy_threshold,
        unc_mask_reduction=args.unc_mask_reduction,
        seed=args.seed,
        checkpoint_interval=args.checkpoint_interval)
    embedder = dict(
        points_per_side=args.points_per_side,
        points_per_batch=args.points_per_batch,
        mask_selection=args.mask_selection)
    summary = usam_training.train_usam(
        args.example_dir,
        args.work_dir,
        classes=args.classes,
        sam_model_type=args.sam_model_type,
        sam_checkpoint=args.sam_checkpoint,
        random_init=args.random_init,
        embedder=embedder,
        train=train,
        overwrite=args.overwrite,
        device=args.device,
        progress=not args.no_progress)
    print(usam_training.train_summary_line(summary), flush=True)
    return finish_items(args.work_dir, 'train_usam', summary['num_trained'],
                        summary['failed'], args.allow_failures)


if __name__ == '__main__':
    sys.exit(run_tool(main, resumable=True))
