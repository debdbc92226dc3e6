"""Readers of weak annotations on small hand-written files."""
import json

import numpy as np
import pytest
from PIL import Image

from mmseg_zsl.annotation.prompted.prompt_sources import (
    ClassIndex, COCOJSONSource, MissingPromptsError, PromptJSONSource,
    VOCXMLSource, convert_scribble_pngs, parse_voc_xml,
    scribbles_from_label_map, toy_world_prompt_entry)

CLASSES = ['background', 'aeroplane', 'pottedplant', 'person']

VOC_XML = """<annotation>
  <filename>2007_000032.jpg</filename>
  <size><width>500</width><height>281</height><depth>3</depth></size>
  <object><name>aeroplane</name><difficult>0</difficult>
    <bndbox><xmin>104</xmin><ymin>78</ymin><xmax>375</xmax><ymax>183</ymax>
    </bndbox></object>
  <object><name>person</name><difficult>1</difficult>
    <bndbox><xmin>195</xmin><ymin>180</ymin><xmax>213</xmax><ymax>229</ymax>
    </bndbox></object>
</annotation>"""


@pytest.fixture
def index():
    return ClassIndex(CLASSES)


def test_class_index_matches_loosely_and_names_unknown_classes(index):
    assert index.id_of('person') == 3
    assert index.id_of('potted plant') == 2  # spaces dropped
    assert index.id_of(1) == 1
    with pytest.raises(ValueError, match=r"'dog'.*\['background', "
                       r"'aeroplane', 'pottedplant', 'person'\]"):
        index.id_of('dog', 'a.xml')
    with pytest.raises(ValueError, match='out of range'):
        index.id_of(4)


def test_voc_boxes_become_zero_based_pixel_edges(index):
    prompts = parse_voc_xml(VOC_XML, index)
    # 1-based inclusive [104..375] x [78..183] -> edges [103, 77, 375, 183].
    np.testing.assert_array_equal(
        prompts.boxes, [[103, 77, 375, 183], [194, 179, 213, 229]])
    assert prompts.box_class_ids.tolist() == [1, 3]
    assert prompts.image_size == (281, 500)
    difficult_dropped = parse_voc_xml(VOC_XML, index, skip_difficult=True)
    assert difficult_dropped.box_class_ids.tolist() == [1]


def test_voc_folder_source_and_unknown_class(tmp_path, index):
    (tmp_path / '2007_000032.xml').write_text(VOC_XML)
    (tmp_path / 'bad.xml').write_text(VOC_XML.replace('person', 'dog'))
    source = VOCXMLSource(str(tmp_path), index)
    assert source.has('2007_000032') and not source.has('nope')
    assert len(source.load('2007_000032').boxes) == 2
    with pytest.raises(MissingPromptsError, match='nope'):
        source.load('nope')
    with pytest.raises(ValueError, match="'dog'.*pottedplant"):
        source.load('bad')


def coco_file(tmp_path, extra_category=False):
    categories = [dict(id=1, name='person'), dict(id=64, name='pottedplant')]
    annotations = [
        dict(id=7, image_id=5, category_id=64, bbox=[10.5, 20, 30, 40.25],
             iscrowd=0),
        dict(id=3, image_id=5, category_id=1, bbox=[0, 0, 8, 9], iscrowd=0),
        dict(id=9, image_id=5, category_id=1, bbox=[50, 60, 5, 5],
             iscrowd=1),
    ]
    if extra_category:
        categories.append(dict(id=18, name='dog'))
        annotations.append(
            dict(id=11, image_id=6, category_id=18, bbox=[1, 1, 2, 2],
                 iscrowd=0))
    data = dict(
        images=[
            dict(id=5, file_name='000000000005.jpg', height=100, width=120),
            dict(id=6, file_name='000000000006.jpg', height=50, width=50)
        ],
        annotations=annotations,
        categories=categories)
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(data))
    return str(path)


def test_coco_boxes_xywh_to_xyxy_in_annotation_id_order(tmp_path, index):
    source = COCOJSONSource(coco_file(tmp_path), index)
    prompts = source.load('000000000005')
    # ids 3 then 7; the crowd box (id 9) is left out by default.
    np.testing.assert_allclose(prompts.boxes,
                               [[0, 0, 8, 9], [10.5, 20, 40.5, 60.25]])
    assert prompts.box_class_ids.tolist() == [3, 2]
    assert prompts.image_size == (100, 120)
    assert len(source.load('000000000006').boxes) == 0  # no annotation
    assert not source.has('000000000007')
    with_crowd = COCOJSONSource(
        coco_file(tmp_path), index, include_crowd=True)
    assert with_crowd.load('000000000005').box_class_ids.tolist() == [3, 2, 3]


def test_coco_unknown_category_fails_at_load(tmp_path, index):
    with pytest.raises(ValueError, match="'dog'.*person"):
        COCOJSONSource(coco_file(tmp_path, extra_category=True), index)


ENTRY = {
    'height': 20,
    'width': 30,
    'boxes': [{'class': 'person', 'box': [1, 2, 10, 12]}],
    'points': [{'class': 'person', 'xy': [4, 5]},
               {'class': 0, 'xy': [[25, 2], [26, 3]]}],
    'scribbles': [{'class': 'potted plant', 'xy': [[1, 1], [2, 1]]}],
}


def test_prompt_json_folder_and_single_file_agree(tmp_path, index):
    folder = tmp_path / 'folder'
    folder.mkdir()
    (folder / 'img.json').write_text(json.dumps(ENTRY))
    single = tmp_path / 'all.json'
    single.write_text(json.dumps({'images': {'img': ENTRY}}))
    for source in (PromptJSONSource(str(folder), index),
                   PromptJSONSource(str(single), index)):
        prompts = source.load('img')
        assert prompts.image_size == (20, 30)
        np.testing.assert_array_equal(prompts.boxes, [[1, 2, 10, 12]])
        assert [(g.class_id, g.xy.tolist()) for g in prompts.points] == [
            (3, [[4, 5]]), (0, [[25, 2], [26, 3]])]
        assert [(g.class_id, g.xy.tolist()) for g in prompts.scribbles] == [
            (2, [[1, 1], [2, 1]])]
        assert not source.has('other')


def test_prompt_json_errors_name_the_problem(tmp_path, index):
    bad = dict(ENTRY, points=[{'class': 'cat', 'xy': [1, 1]}])
    (tmp_path / 'a.json').write_text(json.dumps(bad))
    (tmp_path / 'b.json').write_text(json.dumps(dict(ENTRY, boxs=[])))
    source = PromptJSONSource(str(tmp_path), index)
    with pytest.raises(ValueError, match=r"'cat'.*points\[0\]"):
        source.load('a')
    with pytest.raises(ValueError, match="unknown keys.*'boxs'"):
        source.load('b')


def test_points_outside_the_image_are_rejected(tmp_path, index):
    entry = dict(ENTRY, points=[{'class': 'person', 'xy': [31, 0]}])
    (tmp_path / 'c.json').write_text(json.dumps(entry))
    prompts = PromptJSONSource(str(tmp_path), index).load('c')
    with pytest.raises(ValueError, match=r'outside the 20x30.*\[31.0, 0.0\]'):
        prompts.check_points(20, 30, 'c')
    with pytest.raises(ValueError, match='for a 20x30'):
        prompts.check_image_size(21, 30, 'c')


def test_scribbles_are_connected_strokes_per_class():
    scribble_map = np.full((6, 8), 255, dtype=np.uint8)
    scribble_map[1, 1:4] = 3  # a person stroke
    scribble_map[4, 6:8] = 3  # a second, separate person stroke
    scribble_map[5, 0] = 0  # one background pixel
    scribbles = scribbles_from_label_map(scribble_map, CLASSES)
    assert scribbles == [
        {'class': 'background', 'xy': [[0, 5]]},
        {'class': 'person', 'xy': [[1, 1], [2, 1], [3, 1]]},
        {'class': 'person', 'xy': [[6, 4], [7, 4]]},
    ]
    with pytest.raises(ValueError, match='class index 3'):
        scribbles_from_label_map(scribble_map, CLASSES[:2])


def test_scribble_pngs_convert_to_readable_prompt_json(tmp_path, index):
    png_dir = tmp_path / 'png'
    png_dir.mkdir()
    scribble_map = np.full((6, 8), 255, dtype=np.uint8)
    scribble_map[2, 2:6] = 1
    image = Image.fromarray(scribble_map, mode='L')
    image.save(png_dir / 'img.png')
    counts = convert_scribble_pngs(
        str(png_dir), str(tmp_path / 'json'), CLASSES, progress=False)
    assert counts == dict(num_images=1, num_scribbles=1, num_pixels=4)
    prompts = PromptJSONSource(str(tmp_path / 'json'), index).load('img')
    assert prompts.image_size == (6, 8)
    assert prompts.scribbles[0].class_id == 1
    assert prompts.scribbles[0].xy.tolist() == [[2, 2], [3, 2], [4, 2],
                                                [5, 2]]


def test_toy_world_prompts_lie_inside_their_objects():
    instance_map = np.zeros((20, 20), dtype=np.uint8)
    instance_map[4:13, 3:12] = 1  # a 9x9 square, object 1
    instances = dict(
        height=20, width=20,
        objects=[dict(id=1, class_name='square', bbox=[3, 4, 12, 13],
                      points=[[7, 8], [6, 8]])],
        background_points=[[16, 16], [1, 1]])
    entry = toy_world_prompt_entry(instances, instance_map)
    assert entry['boxes'] == [{'class': 'square', 'box': [3, 4, 12, 13]}]
    assert entry['points'] == [{'class': 'square', 'xy': [[7, 8]]},
                               {'class': 'background', 'xy': [[16, 16]]}]
    square, background = entry['scribbles']
    xy = np.array(square['xy'])
    assert [7, 8] in square['xy']
    assert (instance_map[xy[:, 1], xy[:, 0]] == 1).all()
    # A cross: every pixel on row 8 or column 7.
    assert ((xy[:, 0] == 7) | (xy[:, 1] == 8)).all()
    bg = np.array(background['xy'])
    assert background['class'] == 'background'
    assert (instance_map[bg[:, 1], bg[:, 0]] == 0).all()
