"""The engine's reader and writer threads: same files as the inline loop,
resume after an interruption, and a worker's error raised by the run."""
import os

import cv2
import numpy as np
import pytest

from mmseg_zsl.annotation import (AnnotationResult, BaseAnnotator, ImageRecord,
                                  paint_label_map)
from mmseg_zsl.apis import DistInfo, run_annotation


class ChannelAnnotator(BaseAnnotator):
    """Three masks per image, thresholds of its channels (deterministic);
    can fail on its n-th image, like a killed run."""
    kind = 'channels'

    def __init__(self, fail_at=None):
        self.calls, self.fail_at = 0, fail_at

    def annotate(self, image, image_path=None):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt
        masks = np.stack([image[..., c] > 128 for c in range(3)])
        record = ImageRecord(image.shape[:2], ImageRecord.encode_masks(masks),
                             fields=dict(class_id=np.array([1, 2, 3])))
        return AnnotationResult(record, masks)

    def settings(self):
        return {}


def label(record, masks=None):
    masks = record.decode_masks() if masks is None else masks
    return paint_label_map(masks, record.fields['class_id'], 0)


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / 'images'
    folder.mkdir()
    paths = []
    for index in range(7):
        path = str(folder / f'img{index}.png')
        cv2.imwrite(path, rng.integers(0, 255, (12 + index, 9, 3),
                                       dtype=np.uint8))
        paths.append(path)
    return paths


def run(paths, out, annotator=None, io_threads=2, labeler=label):
    return run_annotation(paths, str(out), annotator or ChannelAnnotator(),
                          labeler, lambda old: {'annotator': 'channels'},
                          dist=DistInfo(), progress=False,
                          io_threads=io_threads)


def files(out):
    return {
        f'{sub}/{name}': open(os.path.join(out, sub, name), 'rb').read()
        for sub in ('labels', 'cache')
        for name in sorted(os.listdir(os.path.join(out, sub)))
    }


def test_threads_write_the_files_of_the_inline_loop(images, tmp_path):
    _, inline = run(images, tmp_path / 'inline', io_threads=0)
    _, threaded = run(images, tmp_path / 'threaded', io_threads=2)
    assert inline.done == threaded.done == 7
    assert files(tmp_path / 'inline') == files(tmp_path / 'threaded')
    assert len(files(tmp_path / 'inline')) == 14


def test_an_interrupted_threaded_run_resumes_to_the_same_files(
        images, tmp_path):
    run(images, tmp_path / 'whole')
    with pytest.raises(KeyboardInterrupt):
        run(images, tmp_path / 'resumed', ChannelAnnotator(fail_at=4))
    # what was annotated before the interruption was written
    assert len(os.listdir(tmp_path / 'resumed' / 'labels')) == 3
    _, resumed = run(images, tmp_path / 'resumed')
    assert (resumed.done, resumed.skipped) == (4, 3)
    assert files(tmp_path / 'resumed') == files(tmp_path / 'whole')


def test_a_writer_error_is_the_run_error(images, tmp_path):
    def bad_label(record, masks=None):  # not uint8: the writer refuses it
        return label(record, masks).astype(np.int32)

    with pytest.raises(ValueError, match='uint8'):
        run(images, tmp_path / 'out', labeler=bad_label)
    # the first image's cache was written before its label failed; the
    # writer then wrote nothing more
    assert os.listdir(tmp_path / 'out' / 'labels') == []
    assert os.listdir(tmp_path / 'out' / 'cache') == ['img0.npz']


def test_resume_checks_what_it_skips(images, tmp_path, capsys):
    """A truncated cache is annotated again and a zero-byte label labelled
    again from its cache, each named; the files equal a clean run's."""
    run(images, tmp_path / 'clean')
    out = tmp_path / 'damaged'
    run(images, out)
    with open(out / 'cache' / 'img1.npz', 'r+b') as file:
        file.truncate(100)
    (out / 'labels' / 'img2.png').write_bytes(b'')
    annotator = ChannelAnnotator()
    _, again = run(images, out, annotator)
    assert annotator.calls == 1 and (again.done, again.skipped) == (2, 5)
    err = capsys.readouterr().err
    assert 'img1.png: unreadable cache' in err and 'img1.npz' in err
    assert 'img2.png: unreadable label' in err
    assert files(out) == files(tmp_path / 'clean')


def test_overwrite_with_other_settings_must_cover_the_directory(
        images, tmp_path):
    from mmseg_zsl.apis.engine import _check_overwrite_covers
    out = tmp_path / 'out'
    run(images, out)
    with pytest.raises(ValueError, match='7 images annotated with other'):
        _check_overwrite_covers(str(out), [])
    with pytest.raises(ValueError, match='e.g. img6'):
        _check_overwrite_covers(str(out), images[:6])
    _check_overwrite_covers(str(out), images)  # every image: fine
