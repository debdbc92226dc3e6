"""Tiny fake PASCAL-like and COCO-like trees made by the tests."""
import os
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np

IMG_H, IMG_W = 40, 56
IDS = [f'2007_{i:06d}' for i in range(6)]
LABELED, UNLABELED = IDS[:2], IDS[2:]


def make_label(rng: np.random.RandomState, with_ignore: bool) -> np.ndarray:
    """A 40x56 label map of blocks of classes 0..20 (+ a 255 border)."""
    label = np.zeros((IMG_H, IMG_W), dtype=np.uint8)
    for y in range(0, IMG_H, 8):
        for x in range(0, IMG_W, 8):
            label[y:y + 8, x:x + 8] = rng.randint(0, 21)
    if with_ignore:
        label[:, 20] = 255
    return label


def write_png(path: str, array: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, array), path


def make_tree(root: str, layout: str) -> Dict[str, List[str]]:
    """Write images, labels, pseudo labels and split files under ``root``.

    ``layout='pascal'``: JPEGImages/, SegmentationClass/,
    ImageSets/Segmentation/val.txt, splits/2/{labeled,unlabeled}.txt.
    ``layout='coco'``: train2017/, val2017/, masks/, splits/2/...
    Pseudo labels (no 255, so padding is the only 255) go to
    zero_shot/labels/ for both.
    """
    rng = np.random.RandomState(0)
    img_dir, seg_dir = (('JPEGImages', 'SegmentationClass')
                        if layout == 'pascal' else ('train2017', 'masks'))
    for i in IDS:
        img = rng.randint(0, 256, (IMG_H, IMG_W, 3)).astype(np.uint8)
        write_png(osp.join(root, img_dir, i + '.jpg'), img)
        write_png(osp.join(root, seg_dir, i + '.png'), make_label(rng, True))
        write_png(
            osp.join(root, 'zero_shot', 'labels', i + '.png'),
            make_label(rng, False))
    split_dir = osp.join(root, 'splits', '2')
    os.makedirs(split_dir)
    for name, ids in (('labeled', LABELED), ('unlabeled', UNLABELED)):
        lines = [f'{img_dir}/{i}.jpg {seg_dir}/{i}.png' for i in ids]
        with open(osp.join(split_dir, name + '.txt'), 'w') as f:
            f.write('\n'.join(lines))  # no trailing newline, as UniMatch
    if layout == 'pascal':
        val = osp.join(root, 'ImageSets', 'Segmentation', 'val.txt')
        os.makedirs(osp.dirname(val))
        with open(val, 'w') as f:
            f.write('\n'.join(IDS[:3]) + '\n')
    else:
        for i in IDS[:3]:
            img = rng.randint(0, 256, (IMG_H, IMG_W, 3)).astype(np.uint8)
            write_png(osp.join(root, 'val2017', 'v' + i + '.jpg'), img)
            write_png(
                osp.join(root, seg_dir, 'v' + i + '.png'),
                make_label(rng, True))
    return dict(labeled=LABELED, unlabeled=UNLABELED)


def sample_info(root: str, stem: str, pseudo: bool = True) -> dict:
    """A data info as PascalVOCSplitDataset makes it."""
    return dict(
        img_path=osp.join(root, 'JPEGImages', stem + '.jpg'),
        seg_map_path=osp.join(root, 'SegmentationClass', stem + '.png'),
        pseudo_label_path=(osp.join(root, 'zero_shot', 'labels', stem +
                                    '.png') if pseudo else None),
        label_map=None,
        reduce_zero_label=False,
        seg_fields=[])
