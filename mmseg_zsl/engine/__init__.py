"""Training-loop hooks."""
from .iteration_seed_hook import IterationSeedHook

__all__ = ['IterationSeedHook']
