from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmseg_zsl.datasets.class_pixel_counts import class_pixel_counts

#: Where the hazard of a class without labeled pixels is explained.
HAZARD_DOC = 'docs/training.md, "A class without labeled pixels"'


@HOOKS.register_module()
class LabeledClassCoverageHook(Hook):
    """Warns before training when a class has no pixel in the labeled set.

    Only the unlabeled targets can teach such a class (mode ``supervised``
    never learns it), and mode ``zsl`` can lose it: where the model is
    confidently wrong, its prediction replaces the zero-shot label, so the
    class may never reach the loss (the toy study's 8 labeled images
    without a star: star IoU 0.0 with ``zsl``, 56.8 with ``pseudo``). The
    warning names the classes, so a user can add labeled images that hold
    them or train ``pseudo`` before spending the GPU hours.

    Rank 0 reads the labeled split's ground truth once
    (:class:`~mmseg_zsl.datasets.SemiSegDataset`'s ``labeled``); a run
    whose training set has no labeled split is left alone.

    Args:
        progress (bool): Show a progress bar while reading. Defaults to
            True.
    """

    def __init__(self, progress: bool = True) -> None:
        self.progress = progress

    def before_train(self, runner) -> None:
        labeled = getattr(runner.train_dataloader.dataset, 'labeled', None)
        if labeled is None or runner.rank != 0:
            return
        classes = labeled.metainfo['classes']
        counts = class_pixel_counts(labeled, self.progress)
        missing = [name for name, n in zip(classes, counts) if n == 0]
        if not missing:
            runner.logger.info(f'labeled set: each of the {len(classes)} '
                               'classes has labeled pixels')
            return
        runner.logger.warning(
            f'{len(missing)} of {len(classes)} classes have no pixel in the '
            f'labeled set ({len(labeled)} images): {", ".join(missing)}. '
            'Only the unlabeled targets can teach them (mode supervised '
            f'never learns them), and mode zsl can lose them ({HAZARD_DOC}): '
            'add labeled images that hold them, or train mode pseudo.')
