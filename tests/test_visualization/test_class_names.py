import pytest

from mmseg_zsl.visualization import load_class_names, metainfo_from_config

# PASCAL VOC's published class order and colours (devkit), as independent
# reference for what mmseg's PascalVOCDataset.METAINFO must give.
VOC_PERSON_INDEX = 15
VOC_PERSON_COLOUR = [192, 128, 128]


def test_load_class_names_one_per_line(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('background\n cat \ndog\n\n')
    assert load_class_names(str(path)) == ['background', 'cat', 'dog']


def test_load_class_names_refuses_inner_blank_line(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('background\n\ndog\n')
    with pytest.raises(ValueError, match='classes.txt:2 is blank'):
        load_class_names(str(path))


def test_load_class_names_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='one class name per line'):
        load_class_names(str(tmp_path / 'nope.txt'))


def test_metainfo_from_dataset_config(tmp_path):
    # No data exists: only the registered class's METAINFO is read.
    config = tmp_path / 'voc.py'
    config.write_text(
        "train_dataloader = dict(batch_size=2, dataset=dict(\n"
        "    type='PascalVOCDataset', data_root='no/such/dir',\n"
        "    ann_file='missing.txt'))\n")
    meta = metainfo_from_config(str(config))
    assert len(meta['classes']) == 21
    assert meta['classes'][VOC_PERSON_INDEX] == 'person'
    assert meta['palette'][VOC_PERSON_INDEX] == VOC_PERSON_COLOUR


def test_metainfo_inside_a_wrapper_with_class_subset(tmp_path):
    # A config's metainfo overrides the class list; each class keeps its
    # own colour, as when mmseg builds the dataset.
    config = tmp_path / 'concat.py'
    config.write_text(
        "val_dataloader = dict(dataset=dict(type='ConcatDataset', datasets=["
        "dict(type='PascalVOCDataset', ann_file='x.txt',\n"
        "     metainfo=dict(classes=('background', 'person')))]))\n")
    meta = metainfo_from_config(str(config))
    assert meta['classes'] == ['background', 'person']
    assert meta['palette'] == [[0, 0, 0], VOC_PERSON_COLOUR]


def test_config_without_dataset_is_refused(tmp_path):
    config = tmp_path / 'model_only.py'
    config.write_text("model = dict(type='EncoderDecoder')\n")
    with pytest.raises(ValueError, match='Pass --classes FILE instead'):
        metainfo_from_config(str(config))
