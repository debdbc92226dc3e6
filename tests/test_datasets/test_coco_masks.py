import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from mmseg_zsl.datasets.coco_masks import convert_coco_to_masks

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
H, W = 8, 10


def rle(mask):
    """COCO compressed RLE of a binary mask, via pycocotools itself."""
    from pycocotools import mask as mask_utils
    encoded = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    encoded['counts'] = encoded['counts'].decode('ascii')
    return encoded


def rect(y0, y1, x0, x1):
    m = np.zeros((H, W), bool)
    m[y0:y1, x0:x1] = True
    return m


@pytest.fixture
def instances_json(tmp_path):
    pytest.importorskip('pycocotools')
    big = rect(0, 6, 0, 7)  # person (id 1), 42 px
    small = rect(2, 5, 4, 9)  # toothbrush (id 90), 15 px, overlaps big
    crowd = rect(5, 8, 0, 4)  # crowd of cars (id 3), overlaps big
    anns = [
        dict(id=1, image_id=7, category_id=90, iscrowd=0, area=15,
             segmentation=rle(small), bbox=[4, 2, 5, 3]),
        dict(id=2, image_id=7, category_id=1, iscrowd=0, area=42,
             segmentation=rle(big), bbox=[0, 0, 7, 6]),
        dict(id=3, image_id=7, category_id=3, iscrowd=1, area=12,
             segmentation=rle(crowd), bbox=[0, 5, 4, 3]),
    ]
    data = dict(
        images=[
            dict(id=7, file_name='000000000007.jpg', height=H, width=W),
            dict(id=9, file_name='000000000009.jpg', height=H, width=W)
        ],
        annotations=anns,
        categories=[dict(id=c, name=str(c)) for c in (90, 1, 3)])
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(data))
    return str(path)


def expected_map():
    """Worked out by hand: ids (1, 3, 90) -> labels (1, 2, 3); crowd 255
    first, then big before small; instances overwrite the crowd."""
    label = np.zeros((H, W), np.uint8)
    label[5:8, 0:4] = 255  # crowd
    label[0:6, 0:7] = 1  # person, over the crowd on row 5
    label[2:5, 4:9] = 3  # toothbrush over the person
    return label


def test_coco_to_masks_class_map(instances_json, tmp_path):
    out = tmp_path / 'masks'
    summary = convert_coco_to_masks(instances_json, str(out))
    assert summary == dict(images=2, written=2, skipped=0, num_classes=4)
    label = np.array(Image.open(out / '000000000007.png'))
    assert label.dtype == np.uint8
    assert np.array_equal(label, expected_map())
    assert not np.array(Image.open(out / '000000000009.png')).any()


def test_coco_to_masks_resumes_without_rewriting(instances_json, tmp_path):
    out = tmp_path / 'masks'
    convert_coco_to_masks(instances_json, str(out))
    path = out / '000000000009.png'
    os.utime(path, (0, 0))
    again = convert_coco_to_masks(instances_json, str(out))
    assert (again['written'], again['skipped']) == (0, 2)
    assert path.stat().st_mtime == 0
    assert not [p for p in os.listdir(out) if not p.endswith('.png')]
    convert_coco_to_masks(instances_json, str(out), overwrite=True)
    assert path.stat().st_mtime > 0


@pytest.mark.e2e
def test_coco_to_masks_cli(instances_json, tmp_path):
    out = tmp_path / 'cli'
    result = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'coco_to_masks.py'), instances_json,
        str(out), '--crowd-label', '254'
    ],
                            check=True,
                            capture_output=True,
                            text=True)
    assert '2 masks written' in result.stdout
    label = np.array(Image.open(out / '000000000007.png'))
    want = expected_map()
    want[want == 255] = 254
    assert np.array_equal(label, want)
