from typing import Optional

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmseg_zsl.utils import derive_seed, seed_everything


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seeds the global RNGs from (run seed, iteration, rank) before every
    training iteration, so that a resumed run equals an uninterrupted one.

    The model draws at every step (the decode head's dropout and the
    feature perturbation's ``dropout2d`` use torch's global RNG). mmengine's
    resume restores weights, optimizer and schedulers but not the RNG
    states, so from its first iteration a resumed run drew other values
    than the run it continues. Reseeding per iteration makes every draw a
    function of where it happens. :class:`SemiSegSampler` and
    :class:`SemiSegDataset` do the same for the data (a seed per sample).

    It also repairs one mmengine gap: with ``randomness.seed`` unset, the
    sampler is built with the new run's random seed before resume replaces
    the run's seed by the checkpoint's; the sampler then gets the
    checkpoint's seed too (an explicit ``sampler.seed`` is kept).
    """

    # After every other hook's before_train_iter, right before the step.
    priority = 'LOWEST'

    def __init__(self) -> None:
        self._seed_before_resume: Optional[int] = None

    def before_run(self, runner) -> None:
        # Called after the dataloader is built and before load_or_resume.
        self._seed_before_resume = runner.seed

    def before_train(self, runner) -> None:
        sampler = getattr(runner.train_dataloader, 'sampler', None)
        if (getattr(sampler, 'seed', None) == self._seed_before_resume
                and runner.seed != self._seed_before_resume):
            sampler.seed = runner.seed

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        rank, _ = get_dist_info()
        seed_everything(derive_seed((runner.seed, runner.iter, rank)))
