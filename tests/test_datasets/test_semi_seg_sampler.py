import pickle
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

from mmseg_zsl.datasets import SeededIndex, SemiSegDataset, SemiSegSampler
from mmseg_zsl.datasets import semi_seg_sampler as sampler_module

N_L, N_U = 5, 24


def fake_dataset(n_l=N_L, n_u=N_U):
    return SimpleNamespace(datasets=[range(n_l), range(n_u)])


def make(monkeypatch, rank, world, **kwargs):
    monkeypatch.setattr(sampler_module, 'get_dist_info', lambda:
                        (rank, world))
    return SemiSegSampler(fake_dataset(**kwargs.pop('sizes', {})), seed=0,
                          **kwargs)


def batches(sampler, size):
    indices = list(sampler)
    assert len(indices) == len(sampler)
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def test_every_batch_is_bl_labeled_then_bu_unlabeled(monkeypatch):
    sampler = make(monkeypatch, 0, 1, num_labeled=2, num_unlabeled=3)
    bs = batches(sampler, 5)
    assert len(bs) == N_U // 3 == 8
    for batch in bs:
        assert all(0 <= i < N_L for i in batch[:2])
        assert all(N_L <= i < N_L + N_U for i in batch[2:])


def test_one_epoch_is_one_pass_over_unlabeled(monkeypatch):
    sampler = make(monkeypatch, 0, 1)
    unlabeled = [i for i in sampler if i >= N_L]
    assert sorted(unlabeled) == list(range(N_L, N_L + N_U))
    labeled = [i for i in sampler if i < N_L]
    counts = [labeled.count(i) for i in range(N_L)]
    assert sum(counts) == N_U and max(counts) - min(counts) <= 1


def test_two_ranks_are_disjoint_and_cover_the_unlabeled_set(monkeypatch):
    per_rank = [list(make(monkeypatch, r, 2)) for r in range(2)]
    unlabeled = [{i for i in p if i >= N_L} for p in per_rank]
    assert not unlabeled[0] & unlabeled[1]
    assert unlabeled[0] | unlabeled[1] == set(range(N_L, N_L + N_U))
    assert all(len(p) == (N_U // 2 // 2) * 4 for p in per_rank)
    # labeled: 6 batches x 2 per rank = 12; the two ranks take alternate
    # positions of one stream of shuffles of the 5 labeled images
    labeled = [[i for i in p if i < N_L] for p in per_rank]
    first_pass = labeled[0][:2] + labeled[1][:2]
    assert len(set(first_pass)) == 4


def test_epochs_reshuffle_and_seed_reproduces(monkeypatch):
    a, b = make(monkeypatch, 0, 1), make(monkeypatch, 0, 1)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    b.set_epoch(1)
    assert list(a) == list(b)


def test_drop_last_and_padding_for_uneven_sizes(monkeypatch):
    # 7 unlabeled on 2 ranks: padded to 8, 4 per rank, 2 batches of 2
    sampler = make(monkeypatch, 1, 2, sizes=dict(n_u=7))
    assert len(sampler) == 2 * (2 + 2)


def test_bad_datasets_and_sizes_are_rejected(monkeypatch):
    with pytest.raises(TypeError, match='SemiSegDataset'):
        SemiSegSampler(SimpleNamespace(datasets=[range(3)]), seed=0)
    with pytest.raises(ValueError, match='cannot fill one batch'):
        make(monkeypatch, 0, 4, sizes=dict(n_u=4))


def test_every_draw_carries_its_own_seed(monkeypatch):
    sampler = make(monkeypatch, 0, 1)
    first = list(sampler)
    again = list(make(monkeypatch, 0, 1))
    assert [i.seed for i in first] == [i.seed for i in again]
    # One seed per position: repeated labeled indices draw differently.
    assert len({i.seed for i in first}) == len(first) > N_L
    sampler.set_epoch(1)
    assert not {i.seed for i in first} & {i.seed for i in sampler}
    other_rank = make(monkeypatch, 1, 2)
    assert not {i.seed for i in make(monkeypatch, 0, 2)} & {
        i.seed for i in other_rank}


def test_seeded_index_is_an_int_that_survives_pickling():
    index = SeededIndex(7, seed=123)
    assert index == 7 and index + 1 == 8 and index.seed == 123
    copy = pickle.loads(pickle.dumps(index))
    assert copy == 7 and copy.seed == 123


def test_dataset_seeds_the_pipeline_from_the_index():
    """The same SeededIndex loads the same augmentation, whatever the RNGs
    drew before; a plain index leaves the RNGs alone."""
    draws = []

    class Draw(BaseTransform):

        def transform(self, results):
            results['draw'] = (random.random(), np.random.rand(),
                               torch.rand(1).item())
            draws.append(results['draw'])
            return results

    def part():
        return BaseDataset(
            data_root='', data_prefix={}, serialize_data=False,
            pipeline=[Draw()], lazy_init=True)

    dataset = SemiSegDataset(labeled=part(), unlabeled=part(), lazy_init=True)
    for sub in dataset.datasets:
        sub.data_list = [dict(sample_idx=k) for k in range(3)]
        sub._fully_initialized = True
    dataset.full_init()
    first = dataset[SeededIndex(4, seed=5)]['draw']
    np.random.rand(), random.random(), torch.rand(3)  # other history
    assert dataset[SeededIndex(4, seed=5)]['draw'] == first
    assert dataset[SeededIndex(4, seed=6)]['draw'] != first
    assert dataset[1]['draw'] != dataset[1]['draw']
