import numpy as np

from mmseg_zsl.datasets.transforms import GenerateCutMixBox

CROP = 321


def test_cutmix_box_statistics():
    t = GenerateCutMixBox()  # p 0.5, area U(0.02, 0.4), aspect U(0.3, 1/0.3)
    img = np.zeros((CROP, CROP, 3), np.uint8)
    np.random.seed(0)
    areas, aspects, draws = [], [], 2000
    for _ in range(draws):
        box = t(dict(img=img))['cutmix_box']
        assert box.shape == (CROP, CROP) and box.dtype == np.uint8
        ys, xs = np.nonzero(box)
        if ys.size == 0:
            continue
        h, w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert ys.size == h * w  # one solid rectangle, inside the crop
        areas.append(h * w / CROP**2)
        aspects.append(h / w)
    rate = len(areas) / draws
    assert abs(rate - 0.5) < 0.04  # binomial sd ~ 0.011
    # int() truncation of w and h can shave at most w + h pixels off the
    # drawn area: 0.02 * 321^2 = 2061 px -> >= 1933 px = 0.0188.
    assert min(areas) >= 0.0185 and max(areas) <= 0.4
    assert abs(np.mean(areas) - 0.21) < 0.01  # mean of U(0.02, 0.4)
    assert min(aspects) >= 0.29 and max(aspects) <= 1 / 0.3 + 0.05


def test_cutmix_box_probability_extremes_and_small_images():
    img = np.zeros((6, 500, 3), np.uint8)  # very elongated: clipped boxes
    np.random.seed(1)
    never = GenerateCutMixBox(prob=0)
    always = GenerateCutMixBox(prob=1, max_attempts=5)
    for _ in range(50):
        assert not never(dict(img=img))['cutmix_box'].any()
        box = always(dict(img=img))['cutmix_box']
        assert box.shape == (6, 500) and box.any()
