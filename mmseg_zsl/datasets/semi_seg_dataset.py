from typing import Any, List, Optional, Union

from mmengine.dataset import BaseDataset, ConcatDataset
from mmseg.registry import DATASETS

from mmseg_zsl.utils import seed_everything


@DATASETS.register_module()
class SemiSegDataset(ConcatDataset):
    """A labeled and an unlabeled dataset, concatenated in that order.

    Indices ``[0, len(labeled))`` are labeled samples and the next
    ``len(unlabeled)`` are unlabeled ones; :class:`SemiSegSampler` draws
    ``B_l`` of the first and ``B_u`` of the second per batch. Unlike a plain
    ``ConcatDataset(datasets=[...])``, the two parts are named keys, so a
    config that inherits can change one of them by dict merge, e.g.
    ``train_dataloader = dict(dataset=dict(labeled=dict(ann_file=...)))``.

    An index that carries a seed (:class:`SeededIndex`, what
    :class:`SemiSegSampler` yields) seeds Python's, NumPy's and torch's
    global RNGs before its sample is loaded, so the random transforms draw
    the same values whenever and wherever the sample is loaded.

    Args:
        labeled (dict | BaseDataset): The labeled dataset (its pipeline packs
            the ``'sup'`` branch).
        unlabeled (dict | BaseDataset): The unlabeled dataset (its pipeline
            packs the ``'unsup_*'`` branches).
        lazy_init (bool): Whether to defer loading the annotation lists.
            Defaults to False.
        ignore_keys (str | list[str], optional): Metainfo keys allowed to
            differ between the two datasets. Defaults to None.
    """

    def __init__(self,
                 labeled: Union[dict, BaseDataset],
                 unlabeled: Union[dict, BaseDataset],
                 lazy_init: bool = False,
                 ignore_keys: Union[str, List[str], None] = None) -> None:
        # Build with mmseg's registry so the sub-datasets resolve without a
        # default scope (mmengine's ConcatDataset builds from its root).
        datasets = [
            DATASETS.build(d) if isinstance(d, dict) else d
            for d in (labeled, unlabeled)
        ]
        super().__init__(
            datasets=datasets, lazy_init=lazy_init, ignore_keys=ignore_keys)

    def __getitem__(self, idx: int) -> Any:
        seed = getattr(idx, 'seed', None)
        if seed is not None:
            seed_everything(seed)
        return super().__getitem__(idx)

    @property
    def labeled(self) -> BaseDataset:
        """The labeled dataset (indices ``[0, len(labeled))``)."""
        return self.datasets[0]

    @property
    def unlabeled(self) -> BaseDataset:
        """The unlabeled dataset (the indices after the labeled ones)."""
        return self.datasets[1]

    def __repr__(self) -> str:
        num: Optional[str] = None
        if self._fully_initialized:
            num = f'{len(self.labeled)} labeled + {len(self.unlabeled)} ' \
                'unlabeled'
        return (f'{self.__class__.__name__}({num or "not initialized"}: '
                f'labeled={self.labeled.__class__.__name__}, '
                f'unlabeled={self.unlabeled.__class__.__name__})')
