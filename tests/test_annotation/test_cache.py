"""The per-image cache file."""
import numpy as np

from mmseg_zsl.annotation import ImageRecord


def make_record():
    rng = np.random.default_rng(0)
    masks = rng.random((3, 9, 11)) > 0.5
    record = ImageRecord((9, 11), ImageRecord.encode_masks(masks),
                         rng.standard_normal((3, 5)).astype(np.float16),
                         {'predicted_iou': np.array([0.9, 0.8, 0.7],
                                                    np.float32)})
    return record, masks


def test_round_trip_is_exact(tmp_path):
    record, masks = make_record()
    path = str(tmp_path / 'a.npz')
    record.save(path)
    loaded = ImageRecord.from_file(path)
    assert loaded.image_size == (9, 11)
    assert loaded.rles == record.rles
    np.testing.assert_array_equal(loaded.decode_masks(), masks)
    np.testing.assert_array_equal(loaded.areas(), masks.sum(axis=(1, 2)))
    assert loaded.embeddings.dtype == np.float16
    np.testing.assert_array_equal(loaded.embeddings, record.embeddings)
    np.testing.assert_array_equal(
        loaded.fields['predicted_iou'],
        np.array([0.9, 0.8, 0.7], np.float32))
    with np.load(path, allow_pickle=False) as data:  # plain npz
        assert data['image_size'].tolist() == [9, 11]


def test_equal_content_gives_equal_bytes(tmp_path):
    record, _ = make_record()
    assert record.to_bytes() == make_record()[0].to_bytes()


def test_empty_record(tmp_path):
    record = ImageRecord((4, 5), [], np.zeros((0, 3), np.float16))
    path = str(tmp_path / 'e.npz')
    record.save(path)
    loaded = ImageRecord.from_file(path)
    assert loaded.num_masks == 0
    assert loaded.decode_masks().shape == (0, 4, 5)
