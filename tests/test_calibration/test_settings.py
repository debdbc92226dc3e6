"""The settings file: round trip, validation, ground-truth lookup."""
import json

import pytest

from mmseg_zsl.calibration import (CalibrationSettings, ground_truth_paths,
                                   load_calibration_settings,
                                   save_calibration_settings)

SETTINGS = dict(
    classes=['background', 'cat', 'pottedplant'],
    display_names=['background', 'cat', 'potted plant'],
    background_names=['background'],
    templates=['a photo of a {}.'],
    class_prompts={
        'cat': ['a photo of a kitty.'],
        'pottedplant': ['a photo of a potted plant.']
    },
    threshold={
        'default': 0.21,
        'cat': 0.24
    },
    unassigned_label=0)


def test_round_trip_and_vocabulary(tmp_path):
    settings = CalibrationSettings.from_dict(SETTINGS)
    path = str(tmp_path / 's.json')
    save_calibration_settings(settings, path)
    assert load_calibration_settings(path) == settings
    vocabulary = settings.vocabulary()
    assert vocabulary.text_class_ids == [1, 2]
    assert vocabulary.prompts == [['a photo of a kitty.'],
                                  ['a photo of a potted plant.']]
    assert vocabulary.thresholds(settings.threshold).tolist() == \
        pytest.approx([0.24, 0.21])


@pytest.mark.parametrize('change, error, match', [
    (dict(threshold='high'), TypeError, 'numbers'),
    (dict(threshold={'dog': 0.2}), ValueError, 'unknown or background'),
    (dict(unassigned_label=3), ValueError, '0 or 255'),
    (dict(class_prompts={'cat': 'kitty'}), ValueError, 'lists of prompts'),
    (dict(version=99), ValueError, 'newer'),
    (dict(format='other'), ValueError, 'format'),
])
def test_invalid_settings_are_refused(tmp_path, change, error, match):
    path = tmp_path / 's.json'
    path.write_text(json.dumps(dict(SETTINGS, **change)))
    with pytest.raises(error, match=match):
        load_calibration_settings(str(path))


def test_missing_keys_and_file(tmp_path):
    path = tmp_path / 's.json'
    path.write_text(json.dumps({'classes': ['a']}))
    with pytest.raises(ValueError, match='missing keys'):
        load_calibration_settings(str(path))
    with pytest.raises(FileNotFoundError, match='calibrate_zero_shot'):
        load_calibration_settings(str(tmp_path / 'none.json'))


def test_ground_truth_from_split_second_column(tmp_path):
    (tmp_path / 'SegmentationClass').mkdir()
    (tmp_path / 'SegmentationClass' / 'a.png').write_bytes(b'')
    split = tmp_path / 'labeled.txt'
    split.write_text('JPEGImages/a.jpg SegmentationClass/a.png\n')
    paths, reduce = ground_truth_paths(['a'], str(split),
                                       data_root=str(tmp_path))
    assert paths == {'a': str(tmp_path / 'SegmentationClass' / 'a.png')}
    assert reduce is False
    with pytest.raises(FileNotFoundError, match='1 of 2 labelled images'):
        ground_truth_paths(['a', 'b'], str(split), data_root=str(tmp_path))


def test_ground_truth_of_a_folder_needs_gt_dir(tmp_path):
    with pytest.raises(ValueError, match='--gt-dir'):
        ground_truth_paths(['a'], str(tmp_path))
    (tmp_path / 'a.png').write_bytes(b'')
    paths, _ = ground_truth_paths(['a'], gt_dir=str(tmp_path))
    assert paths == {'a': str(tmp_path / 'a.png')}
