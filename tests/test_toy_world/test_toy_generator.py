import numpy as np
import pytest

from mmseg_zsl.toy_world import CLASSES, SHAPE_NAMES, ToyWorldGenerator


def _samples(count, seed=0, **kwargs):
    gen = ToyWorldGenerator(**kwargs)
    return [gen.sample(np.random.default_rng([seed, i])) for i in range(count)]


def test_same_rng_state_gives_identical_sample():
    a, b = _samples(1, seed=7)[0], _samples(1, seed=7)[0]
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.mask, b.mask)
    assert a.objects == b.objects


def test_other_seed_gives_other_image():
    a, b = _samples(1, seed=7)[0], _samples(1, seed=8)[0]
    assert not np.array_equal(a.image, b.image)


def test_images_are_rgb_uint8_of_requested_size():
    sample = _samples(1, image_size=48)[0]
    assert sample.image.shape == (48, 48, 3)
    assert sample.image.dtype == np.uint8
    assert sample.mask.shape == sample.instance_map.shape == (48, 48)


def test_labels_in_range_with_background_and_every_class():
    samples = _samples(30)
    seen = set()
    for s in samples:
        values = set(np.unique(s.mask).tolist())
        assert values <= set(range(len(CLASSES)))
        assert 0 in values  # every image shows some background
        seen |= values
    assert seen == set(range(len(CLASSES)))


def test_mask_agrees_with_instances():
    for s in _samples(20):
        # object pixels of the class map are exactly the instance pixels
        assert np.array_equal(s.mask > 0, s.instance_map > 0)
        assert sorted(np.unique(s.instance_map[s.instance_map > 0])) == [
            o['id'] for o in s.objects
        ]
        for obj in s.objects:
            visible = s.instance_map == obj['id']
            assert np.all(s.mask[visible] == obj['class_id'])
            assert SHAPE_NAMES[obj['class_id'] - 1] == obj['class_name']
            assert obj['area'] == visible.sum() <= obj['full_area']
            rows, cols = np.nonzero(visible)
            assert obj['bbox'] == [
                cols.min(), rows.min(),
                cols.max() + 1,
                rows.max() + 1
            ]
            for x, y in obj['points']:
                assert visible[y, x]
        for x, y in s.background_points:
            assert s.mask[y, x] == 0


def test_small_objects_occur():
    areas = [o['area'] for s in _samples(40) for o in s.objects]
    # under 1% of a 96x96 image, the simulator's "small" threshold
    assert min(areas) < 0.01 * 96 * 96
    assert max(areas) > 0.05 * 96 * 96


def test_colour_does_not_predict_the_class():
    """Nearest-class-mean colour classifier stays near chance (1/5).

    Fitted on the mean rendered colour of the objects of 150 images and
    scored on the objects of 150 others; with n test objects, chance
    accuracy 0.2 has std sqrt(0.2 * 0.8 / n) ~ 0.025, so 0.3 is 4 std away.
    """
    def features(samples):
        xs, ys = [], []
        for s in samples:
            for obj in s.objects:
                xs.append(s.image[s.instance_map == obj['id']].mean(axis=0))
                ys.append(obj['class_id'])
        return np.array(xs), np.array(ys)

    samples = _samples(300, seed=11)
    x_fit, y_fit = features(samples[:150])
    x_test, y_test = features(samples[150:])
    assert len(y_test) > 250
    means = np.stack([x_fit[y_fit == c].mean(axis=0) for c in range(1, 6)])
    dist = ((x_test[:, None, :] - means[None])**2).sum(-1)
    accuracy = np.mean(dist.argmin(axis=1) + 1 == y_test)
    assert accuracy < 0.3


@pytest.mark.parametrize('kwargs', [
    dict(image_size=8),
    dict(num_objects=(0, 3)),
    dict(num_objects=(3, 2)),
    dict(small_prob=1.5),
    dict(num_points=0),
])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        ToyWorldGenerator(**kwargs)
