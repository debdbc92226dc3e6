"""Seeds derived from keys, so that randomness is a function of where a draw
happens (seed, epoch, sample; seed, iteration) rather than of the history of
the process. A resumed run then draws exactly what an uninterrupted one
draws."""
import random
from typing import Sequence

import numpy as np
import torch


def derive_seed(keys: Sequence[int]) -> int:
    """A 32-bit seed that depends on every key (NumPy's ``SeedSequence``).

    Args:
        keys (Sequence[int]): Non-negative integers, e.g. (seed, epoch, rank,
            position).

    Returns:
        int: A seed in ``[0, 2**32)``; nearby keys give unrelated seeds.
    """
    return int(np.random.SeedSequence(list(keys)).generate_state(1)[0])


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's (every device's) global RNGs."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
