"""Image listing, stems, sharding and manifest checks of the run loop."""
import pytest

from mmseg_zsl.apis import DistInfo, check_unique_stems, list_images
from mmseg_zsl.apis.manifest import build_manifest, check_resume


def test_folder_is_listed_recursively_in_sorted_order(tmp_path):
    (tmp_path / 'b').mkdir()
    for name in ('b/z.jpg', 'a.PNG', 'notes.txt', 'c.jpeg'):
        (tmp_path / name).write_bytes(b'')
    source = list_images(str(tmp_path))
    assert source.kind == 'folder'
    assert [p[len(str(tmp_path)) + 1:] for p in source.paths] == [
        'a.PNG', 'c.jpeg', 'b/z.jpg'
    ]


def test_split_file_needs_data_root_and_takes_the_first_column(tmp_path):
    split = tmp_path / 'labeled.txt'
    split.write_text('JPEGImages/a.jpg SegmentationClass/a.png\n\n'
                     'JPEGImages/b.jpg SegmentationClass/b.png')
    with pytest.raises(ValueError, match='--data-root'):
        list_images(str(split))
    assert list_images(str(split), data_root='/voc').paths == [
        '/voc/JPEGImages/a.jpg', '/voc/JPEGImages/b.jpg'
    ]


def test_missing_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='mmseg config'):
        list_images(str(tmp_path / 'nope.txt'))


def test_duplicate_stems():
    assert check_unique_stems(['x/a.jpg', 'y/b.png']) == ['a', 'b']
    with pytest.raises(ValueError, match='x/a.jpg and y/a.png'):
        check_unique_stems(['x/a.jpg', 'y/a.png'])


def test_shards_are_disjoint_and_cover_everything():
    items = list(range(7))
    shards = [DistInfo(rank, 3).shard(items) for rank in range(3)]
    assert shards == [[0, 3, 6], [1, 4], [2, 5]]


def manifest(threshold=0.2, points=32):
    return build_manifest(
        'zero-shot', dict(sam=dict(model_type='vit_h')),
        dict(sam_generator=dict(points_per_side=points)),
        dict(classes=['background', 'cat'], threshold=threshold), None,
        dict(kind='folder'))


def test_resume_checks():
    check_resume(None, manifest(), 'out')
    check_resume(manifest(), manifest(), 'out')
    # the refusal names the setting and both values
    with pytest.raises(ValueError, match=r'annotator_settings\.sam_generator'
                       r'\.points_per_side: 32 there, 16 now'):
        check_resume(manifest(), manifest(points=16), 'out')
    with pytest.raises(ValueError, match='--relabel'):
        check_resume(manifest(), manifest(threshold=0.3), 'out')
