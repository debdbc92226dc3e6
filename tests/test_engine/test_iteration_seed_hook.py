from types import SimpleNamespace

import torch

from mmseg_zsl.engine import IterationSeedHook


def runner(seed, iteration=0, sampler_seed=None):
    sampler = SimpleNamespace(seed=seed if sampler_seed is None else
                              sampler_seed)
    return SimpleNamespace(
        seed=seed, iter=iteration,
        train_dataloader=SimpleNamespace(sampler=sampler))


def draw_at(seed, iteration):
    hook = IterationSeedHook()
    torch.rand(5)  # whatever happened before
    hook.before_train_iter(runner(seed, iteration), batch_idx=0)
    return torch.rand(3)


def test_draws_depend_on_seed_and_iteration_only():
    assert torch.equal(draw_at(0, 7), draw_at(0, 7))
    assert not torch.equal(draw_at(0, 7), draw_at(0, 8))
    assert not torch.equal(draw_at(0, 7), draw_at(1, 7))


def test_resume_hands_the_checkpoints_seed_to_the_sampler():
    hook = IterationSeedHook()
    run = runner(seed=11)  # sampler built with the new run's drawn seed
    hook.before_run(run)
    run.seed = 42  # load_or_resume took the checkpoint's seed
    hook.before_train(run)
    assert run.train_dataloader.sampler.seed == 42

    hook = IterationSeedHook()
    run = runner(seed=11, sampler_seed=3)  # an explicit sampler seed stays
    hook.before_run(run)
    run.seed = 42
    hook.before_train(run)
    assert run.train_dataloader.sampler.seed == 3
