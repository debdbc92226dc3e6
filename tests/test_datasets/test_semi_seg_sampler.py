from types import SimpleNamespace

import pytest

from mmseg_zsl.datasets import SemiSegSampler
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
