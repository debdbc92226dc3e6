"""A zero-shot relabel keeps the manifest's label settings it is not
given: the same prompts and threshold give the same labels."""
import os

import cv2
import pytest

from mmseg_zsl.apis import annotate, relabel
from .._images import write_noise_images


@pytest.mark.e2e
def test_relabel_keeps_what_it_is_not_given(tmp_path):
    folder = write_noise_images(tmp_path / 'images', 2, seed=1)
    out = str(tmp_path / 'out')
    annotate(str(folder), out, classes=['background', 'cat', 'tv monitor'],
             templates=['a photo of a {}.', 'a {}.'], threshold=-1.0,
             random_init='tiny', device='cpu', progress=False)

    def labels():
        return {n: open(os.path.join(out, 'labels', n), 'rb').read()
                for n in sorted(os.listdir(os.path.join(out, 'labels')))}

    before = labels()
    assert any((cv2.imread(os.path.join(out, 'labels', name),
                           cv2.IMREAD_UNCHANGED) > 0).any() for name in before)
    relabel(out, progress=False)  # nothing new: the same files
    assert labels() == before
    relabel(out, threshold=1.0, progress=False)  # nothing passes 1.0
    for name in before:
        label = cv2.imread(os.path.join(out, 'labels', name),
                           cv2.IMREAD_UNCHANGED)
        assert (label == 0).all()
    relabel(out, threshold=-1.0, progress=False)
    assert labels() == before
