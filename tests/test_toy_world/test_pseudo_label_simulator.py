import numpy as np
import pytest
import torch
from mmseg.evaluation import IoUMetric

from mmseg_zsl.toy_world import (QUALITY_SLOPES, PseudoLabelNoise,
                                 confusion_partners, disk, read_label_png,
                                 read_split_stems, simulate_label,
                                 simulate_pseudo_labels)

NUM_CLASSES = 6
# every rate off: tests switch on exactly the error they check
CLEAN = dict(
    swap_rate=0.0,
    miss_rate=0.0,
    small_miss_rate=0.0,
    boundary_rate=0.0,
    background_fp_rate=0.0)


def _noise(**rates):
    return PseudoLabelNoise(**dict(CLEAN, **rates))


def _square_world(size=40, side=10, cls=2):
    """A ``side`` x ``side`` square of class ``cls`` in the middle."""
    gt = np.zeros((size, size), np.uint8)
    top = (size - side) // 2
    gt[top:top + side, top:top + side] = cls
    return gt, (gt > 0).astype(np.uint8)


def _simulate(gt, noise, inst=None, seed=0, **kwargs):
    return simulate_label(gt, noise, np.random.default_rng(seed), NUM_CLASSES,
                          inst, **kwargs)


def _miou(pred_dir, world, stems):
    """mIoU by mmseg's own arithmetic, over the images stacked together."""
    pred = np.stack([read_label_png(f'{pred_dir}/{s}.png') for s in stems])
    gt = np.stack(
        [read_label_png(str(world / 'masks' / f'{s}.png')) for s in stems])
    inter, union, _, _ = IoUMetric.intersect_and_union(
        torch.from_numpy(pred).long(),
        torch.from_numpy(gt).long(), NUM_CLASSES, 255)
    return float((inter / union).mean())


def test_from_quality_maps_linearly():
    assert PseudoLabelNoise.from_quality(1.0) == PseudoLabelNoise()
    noise = PseudoLabelNoise.from_quality(0.5)
    for name, slope in QUALITY_SLOPES.items():
        assert getattr(noise, name) == pytest.approx(0.5 * slope)
    assert PseudoLabelNoise.from_quality(0.5, miss_rate=0.9).miss_rate == 0.9


@pytest.mark.parametrize('call', [
    lambda: PseudoLabelNoise.from_quality(1.5),
    lambda: PseudoLabelNoise(swap_rate=-0.1),
    lambda: PseudoLabelNoise(min_boundary_px=3, max_boundary_px=2),
])
def test_invalid_noise_raises(call):
    with pytest.raises(ValueError):
        call()


def test_unknown_override_raises():
    with pytest.raises(TypeError, match='swap_rat'):
        PseudoLabelNoise.from_quality(0.5, swap_rat=0.1)


def test_quality_one_reproduces_ground_truth(small_world, tmp_path):
    out = tmp_path / 'pl'
    summary = simulate_pseudo_labels(
        str(small_world / 'masks'),
        str(small_world / 'instances'),
        str(out),
        quality=1.0,
        show_progress=False)
    assert summary['num_images'] == 32 and summary['pixel_accuracy'] == 1.0
    for path in (small_world / 'masks').glob('*.png'):
        assert np.array_equal(
            read_label_png(str(out / path.name)), read_label_png(str(path)))


def test_miou_falls_monotonically_with_quality(small_world, tmp_path):
    split = str(small_world / 'splits' / 'train.txt')
    stems = read_split_stems(split)
    mious = []
    for quality in (1.0, 0.75, 0.5, 0.25, 0.0):
        out = tmp_path / f'q{quality}'
        simulate_pseudo_labels(
            str(small_world / 'masks'),
            str(small_world / 'instances'),
            str(out),
            quality=quality,
            split_file=split,
            show_progress=False)
        assert sorted(p.stem for p in out.glob('*.png')) == sorted(stems)
        mious.append(_miou(out, small_world, stems))
    assert mious[0] == 1.0
    assert all(a > b for a, b in zip(mious, mious[1:])), mious


def test_same_seed_same_labels_other_seed_other_labels(small_world, tmp_path):
    args = (str(small_world / 'masks'), str(small_world / 'instances'))
    for name, seed in (('a', 0), ('b', 0), ('c', 1)):
        simulate_pseudo_labels(
            *args, str(tmp_path / name), seed=seed, show_progress=False)
    files = sorted(p.name for p in (tmp_path / 'a').glob('*.png'))
    a, b, c = ([(tmp_path / d / f).read_bytes() for f in files]
               for d in 'abc')
    assert a == b and a != c


@pytest.mark.parametrize('radius, expected', [(1, 140), (2, 184), (3, 236)])
def test_dilation_grows_square_by_disk_area(radius, expected):
    """10x10 square (+) digital disk of radius r.

    The sum is the square, four 10 x r side bands and four corner pieces,
    each the disk's quadrant {dx, dy > 0, dx^2 + dy^2 <= r^2}: 0 pixels
    for r = 1, 1 for r = 2, 4 for r = 3. Area 100 + 40 r + 4 q(r).
    """
    gt, inst = _square_world()
    noise = _noise(
        boundary_rate=1.0,
        dilate_prob=1.0,
        min_boundary_px=radius,
        max_boundary_px=radius)
    out = _simulate(gt, noise, inst)
    assert np.count_nonzero(out == 2) == expected
    assert set(np.unique(out)) == {0, 2}
    assert np.all(out[gt == 2] == 2)


@pytest.mark.parametrize('unassigned', [0, 255])
@pytest.mark.parametrize('radius', [1, 2])
def test_erosion_shrinks_square_and_unassigns_the_rim(radius, unassigned):
    gt, inst = _square_world()
    noise = _noise(
        boundary_rate=1.0,
        dilate_prob=0.0,
        min_boundary_px=radius,
        max_boundary_px=radius)
    out = _simulate(gt, noise, inst, unassigned_label=unassigned)
    side = 10 - 2 * radius
    assert np.count_nonzero(out == 2) == side * side
    assert np.count_nonzero(out == unassigned) == (
        100 - side * side if unassigned == 255 else 1600 - side * side)


def _two_objects():
    gt = np.zeros((40, 40), np.uint8)
    inst = np.zeros_like(gt)
    gt[2:12, 2:12], inst[2:12, 2:12] = 1, 1
    gt[20:35, 20:30], inst[20:35, 20:30] = 3, 2
    return gt, inst


def test_swap_relabels_whole_segments():
    gt, inst = _two_objects()
    for seed in range(10):
        out = _simulate(gt, _noise(swap_rate=1.0), inst, seed=seed)
        assert np.all(out[gt == 0] == 0)
        for k, true in ((1, 1), (2, 3)):
            labels = np.unique(out[inst == k])
            assert len(labels) == 1  # one label for the whole segment
            assert labels[0] not in (0, true) and labels[0] < NUM_CLASSES


def test_biased_swap_goes_to_the_confusion_partner():
    gt, inst = _two_objects()
    partners = confusion_partners(NUM_CLASSES, seed=5)
    assert sorted(partners) == [1, 2, 3, 4, 5]
    assert all(partners[c] != c for c in partners)
    out = _simulate(
        gt,
        _noise(swap_rate=1.0, confusion_bias=1.0),
        inst,
        partners=partners)
    assert np.all(out[inst == 1] == partners[1])
    assert np.all(out[inst == 2] == partners[3])


def test_swap_without_instances_uses_connected_components():
    gt = np.zeros((30, 30), np.uint8)
    gt[2:8, 2:8] = 4
    gt[20:28, 20:28] = 4  # same class, another component
    seen = set()
    for seed in range(10):
        out = _simulate(gt, _noise(swap_rate=1.0), seed=seed)
        first = np.unique(out[2:8, 2:8])
        second = np.unique(out[20:28, 20:28])
        assert len(first) == len(second) == 1
        assert 4 not in (first[0], second[0])
        seen.add(first[0] != second[0])
    assert seen == {True, False}  # components are relabelled independently


@pytest.mark.parametrize('unassigned', [0, 255])
def test_missed_objects_get_the_unassigned_label(unassigned):
    gt, inst = _two_objects()
    out = _simulate(
        gt, _noise(miss_rate=1.0), inst, unassigned_label=unassigned)
    assert np.all(out[gt > 0] == unassigned)
    assert np.all(out[gt == 0] == 0)


def test_small_object_loss_respects_the_area_threshold():
    # 100x100 image, threshold 0.01 -> 100 pixels
    gt = np.zeros((100, 100), np.uint8)
    inst = np.zeros_like(gt)
    gt[5:14, 5:16], inst[5:14, 5:16] = 1, 1  # 99 pixels: small
    gt[50:60, 50:60], inst[50:60, 50:60] = 2, 2  # 100 pixels: not small
    out = _simulate(
        gt, _noise(small_miss_rate=1.0, small_area_frac=0.01), inst)
    assert np.all(out[inst == 1] == 0)
    assert np.all(out[inst == 2] == 2)


def test_background_false_positives_cover_whole_regions():
    gt, inst = _two_objects()
    one_region = _noise(background_fp_rate=1.0, background_segments=1)
    out = _simulate(gt, one_region, inst)
    labels = np.unique(out[gt == 0])
    assert len(labels) == 1 and 1 <= labels[0] < NUM_CLASSES
    assert np.array_equal(out[gt > 0], gt[gt > 0])
    many = _simulate(gt, _noise(background_fp_rate=1.0), inst)
    assert np.all(many[gt == 0] > 0)


def test_ignored_ground_truth_stays_ignored():
    gt, inst = _two_objects()
    gt[0, :] = 255
    out = _simulate(gt, PseudoLabelNoise.from_quality(0.0), inst)
    assert np.all(out[0] == 255)


def test_disk_kernel():
    assert disk(1).tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    assert disk(2).sum() == 13


def _as_set(masks):
    return {m.tobytes() for m in masks}


def test_segments_are_the_objects_as_cut_and_the_background_cells():
    """Object 1 missed (cut whole), object 2 dilated by a radius-1 disk
    (cut as painted: 15x10 + 50 = 200 pixels); four background cells that
    partition the background; the label is the same without segments."""
    gt, inst = _two_objects()
    noise = _noise(miss_rate=0.5, boundary_rate=1.0, dilate_prob=1.0,
                   min_boundary_px=1, max_boundary_px=1,
                   background_segments=4)
    # find a seed whose draws miss object 1 and keep object 2
    for seed in range(50):
        draws = np.random.default_rng(seed).random((2, 8))
        if draws[0, 0] < 0.5 <= draws[1, 0]:
            break
    segments = []
    out = _simulate(gt, noise, inst, seed=seed, segments_out=segments)
    assert np.array_equal(out, _simulate(gt, noise, inst, seed=seed))
    objects = [s for s in segments if (s & (gt > 0)).any()]
    cells = [s for s in segments if not (s & (gt > 0)).any()]
    assert len(objects) == 2 and len(cells) <= 4
    assert _as_set([inst == 1]) <= _as_set(objects)
    painted = next(s for s in objects if s[inst == 2].all())
    assert painted.sum() == 200 and np.array_equal(painted, out == 3)
    union = np.zeros_like(gt, bool)
    for cell in cells:
        assert not (union & cell).any()
        union |= cell
    assert np.array_equal(union, gt == 0)


def test_segments_are_written_as_an_annotation_cache(small_world, tmp_path):
    from mmseg_zsl.annotation.cache import ImageRecord
    world = str(small_world)
    split = f'{world}/splits/train.txt'
    simulate_pseudo_labels(f'{world}/masks', f'{world}/instances',
                           str(tmp_path / 'plain'), quality=0.5,
                           split_file=split, show_progress=False)
    simulate_pseudo_labels(f'{world}/masks', f'{world}/instances',
                           str(tmp_path / 'labels'), quality=0.5,
                           split_file=split, show_progress=False,
                           segments_dir=str(tmp_path / 'segments'))
    for stem in read_split_stems(split):
        label = read_label_png(f'{tmp_path}/labels/{stem}.png')
        assert np.array_equal(
            label, read_label_png(f'{tmp_path}/plain/{stem}.png'))
        record = ImageRecord.from_file(
            f'{tmp_path}/segments/cache/{stem}.npz')
        assert tuple(record.image_size) == label.shape
        covered = record.decode_masks().any(0)
        gt = read_label_png(f'{world}/masks/{stem}.png')
        # objects are cut; only eroded rims (unassigned: 0) are left out
        assert (label[(gt > 0) & ~covered] == 0).all()
