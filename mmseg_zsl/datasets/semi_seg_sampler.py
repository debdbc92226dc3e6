import math
from typing import Iterator, List, Optional

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from mmseg_zsl.utils import derive_seed


class SeededIndex(int):
    """A dataset index that carries the seed of its draw.

    :class:`SemiSegSampler` yields these; :class:`SemiSegDataset` seeds the
    global RNGs with ``seed`` before running the pipeline, so a sample's
    augmentation is a function of (sampler seed, epoch, rank, position), not
    of what the process drew before (which a resumed run cannot restore).
    Being an ``int``, it works wherever a plain index does.
    """

    seed: Optional[int]

    def __new__(cls, index: int, seed: Optional[int] = None) -> 'SeededIndex':
        value = super().__new__(cls, index)
        value.seed = seed
        return value


@DATA_SAMPLERS.register_module()
class SemiSegSampler(Sampler):
    """Yields batches of ``num_labeled`` labeled + ``num_unlabeled``
    unlabeled indices; one epoch is one pass over the unlabeled set.

    ``dataset`` is a :class:`SemiSegDataset` (or any ``ConcatDataset`` of
    exactly two datasets: labeled first, unlabeled second). Each batch this
    rank yields is ``num_labeled`` indices of the labeled part followed by
    ``num_unlabeled`` of the unlabeled part, so **the dataloader's
    ``batch_size`` must equal ``num_labeled + num_unlabeled``**.

    Per epoch (UniMatch's scheme): the unlabeled indices are shuffled with
    ``seed + epoch``, padded by repetition to a multiple of the world size
    (like ``DistributedSampler``) and dealt round-robin to the ranks; each
    rank keeps ``num_batches = floor(ceil(N_u / world_size) / num_unlabeled)``
    full batches (incomplete ones are dropped, ``drop_last=True``). The
    labeled indices are a stream of independent shuffles of the labeled set
    (repeated as often as needed, so every labeled image appears equally
    often up to one), dealt round-robin the same way. Ranks therefore see
    disjoint positions of both streams.

    ``len(sampler) = num_batches * (num_labeled + num_unlabeled)``, so
    ``EpochBasedTrainLoop`` and by-epoch schedulers count one epoch as one
    pass over the unlabeled set; ``IterBasedTrainLoop`` also works (it starts
    the next epoch when one is exhausted).

    Args:
        dataset (ConcatDataset): Labeled and unlabeled datasets.
        num_labeled (int): Labeled images per batch per GPU (B_l).
            Defaults to 2.
        num_unlabeled (int): Unlabeled images per batch per GPU (B_u).
            Defaults to 2.
        shuffle (bool): Whether to shuffle; without it the order is the
            dataset order (for debugging). Defaults to True.
        seed (int, optional): Seed shared by all ranks; None draws one and
            synchronises it across ranks. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 num_labeled: int = 2,
                 num_unlabeled: int = 2,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        datasets = getattr(dataset, 'datasets', None)
        if datasets is None or len(datasets) != 2:
            raise TypeError(
                'SemiSegSampler needs a SemiSegDataset (or a ConcatDataset '
                'of exactly [labeled, unlabeled]), got '
                f'{type(dataset).__name__}'
                + ('' if datasets is None else
                   f' of {len(datasets)} datasets') + '.')
        if num_labeled < 0 or num_unlabeled < 1:
            raise ValueError(
                'num_labeled must be >= 0 and num_unlabeled >= 1, got '
                f'{num_labeled} and {num_unlabeled}.')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.num_labeled = num_labeled
        self.num_unlabeled = num_unlabeled
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0

        self.labeled_size = len(datasets[0])
        self.unlabeled_size = len(datasets[1])
        if num_labeled > 0 and self.labeled_size == 0:
            raise ValueError('the labeled dataset is empty; check its '
                             'ann_file (num_labeled > 0 needs labeled data).')
        self.unlabeled_per_rank = math.ceil(self.unlabeled_size /
                                            self.world_size)
        self.num_batches = self.unlabeled_per_rank // num_unlabeled
        if self.num_batches == 0:
            raise ValueError(
                f'{self.unlabeled_size} unlabeled images cannot fill one '
                f'batch of {num_unlabeled} on each of {self.world_size} '
                'ranks; use more unlabeled images or a smaller '
                'num_unlabeled.')

    def _order(self, size: int, generator: torch.Generator) -> List[int]:
        """A shuffled (or identity) order of ``range(size)``."""
        if self.shuffle:
            return torch.randperm(size, generator=generator).tolist()
        return list(range(size))

    def __iter__(self) -> Iterator[int]:
        """Yield this rank's indices: per batch, labeled then unlabeled."""
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)

        # Unlabeled: one pass, padded to a multiple of the world size.
        total_unlabeled = self.unlabeled_per_rank * self.world_size
        unlabeled = self._order(self.unlabeled_size, generator)
        unlabeled = (unlabeled * math.ceil(total_unlabeled /
                                           self.unlabeled_size))
        unlabeled = unlabeled[self.rank:total_unlabeled:self.world_size]

        # Labeled: as many fresh shuffles of the labeled set as needed.
        total_labeled = self.num_batches * self.num_labeled * self.world_size
        labeled: List[int] = []
        while len(labeled) < total_labeled:
            labeled += self._order(self.labeled_size, generator)
        labeled = labeled[self.rank:total_labeled:self.world_size]

        offset = self.labeled_size  # unlabeled indices follow the labeled
        indices: List[int] = []
        for b in range(self.num_batches):
            indices += labeled[b * self.num_labeled:(b + 1) *
                               self.num_labeled]
            indices += [
                offset + index for index in
                unlabeled[b * self.num_unlabeled:(b + 1) * self.num_unlabeled]
            ]
        for position, index in enumerate(indices):
            yield SeededIndex(
                index,
                derive_seed((self.seed, self.epoch, self.rank, position)))

    def __len__(self) -> int:
        """Number of indices this rank yields per epoch."""
        return self.num_batches * (self.num_labeled + self.num_unlabeled)

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which reseeds the shuffles (called by the loop).

        Args:
            epoch (int): Epoch number.
        """
        self.epoch = epoch
