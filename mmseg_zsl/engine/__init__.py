"""Training-loop hooks."""
from .iteration_seed_hook import IterationSeedHook
from .labeled_class_coverage_hook import LabeledClassCoverageHook

__all__ = ['IterationSeedHook', 'LabeledClassCoverageHook']
