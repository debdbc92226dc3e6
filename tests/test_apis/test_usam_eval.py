"""Mask mAP@50: hand-made cases and pycocotools' COCOeval as reference."""
import contextlib
import io
import json

import numpy as np
import pytest

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.annotation.usam import ImageInstances, mask_average_precision
from mmseg_zsl.apis.usam_eval import read_instance_folder


def rles(masks):
    masks = np.asarray(masks, bool)
    return ImageRecord(masks.shape[1:], ImageRecord.encode_masks(masks)) \
        .coco_rles()


def columns(*spans, width=10):
    """1 x width masks covering the given [start, end) column spans."""
    masks = np.zeros((len(spans), 1, width), bool)
    for index, (start, end) in enumerate(spans):
        masks[index, 0, start:end] = True
    return masks


def test_map50_by_hand():
    """One 1 x 10 image.

    Class 1: ground truth A = cols 0-4, B = cols 5-9 (2 instances).
      d1 cols 0-4, score 0.9: IoU(A) 1 -> TP
      d2 cols 5-6, score 0.8: IoU(B) 2/5 = 0.4 < 0.5 -> FP
      d3 cols 5-7, score 0.7: IoU(B) 3/5 = 0.6 -> TP
      recall [.5, .5, 1], precision [1, .5, .667] -> envelope [1, .667, .667]
      101 recall points: 0.00..0.50 (51) read 1, 0.51..1.00 (50) read 2/3
      AP = (51 + 50 * 2/3) / 101 = 0.834983
    Class 2: ground truth cols 0-9; d4 cols 0-3 (IoU 0.4), score 0.95 -> FP,
      AP = 0.
    Class 3: no ground truth (d5 is ignored for the mean).
    mAP = (0.834983 + 0) / 2 = 0.417492
    """
    truth = ImageInstances(rles(columns((0, 5), (5, 10), (0, 10))),
                           np.array([1, 1, 2]))
    dets = ImageInstances(
        rles(columns((0, 5), (5, 7), (5, 8), (0, 4), (0, 10))),
        np.array([1, 1, 1, 2, 3]), np.array([0.9, 0.8, 0.7, 0.95, 0.99]))
    result = mask_average_precision([dets], [truth])
    assert result['per_class'] == pytest.approx({
        1: (51 + 50 * 2 / 3) / 101, 2: 0.0})
    assert result['mAP'] == pytest.approx(0.417492, abs=1e-6)
    assert result['num_instances'] == {1: 2, 2: 1}
    # at IoU 0.4, d2 matches B first, d3 finds no free instance:
    # TP, TP, FP -> AP 1 for class 1; d4 matches class 2 -> AP 1
    loose = mask_average_precision([dets], [truth], iou_threshold=0.4)
    assert loose['per_class'] == pytest.approx({1: 1.0, 2: 1.0})


def test_detections_on_crowd_regions_are_ignored():
    """Crowd region cols 5-9 of class 1; a detection inside it is neither
    TP nor FP, so class 1's AP stays 1 (one TP on the real instance)."""
    truth = ImageInstances(rles(columns((0, 5), (5, 10))), np.array([1, 1]),
                           crowd=np.array([False, True]))
    dets = ImageInstances(rles(columns((6, 9), (0, 5))), np.array([1, 1]),
                          np.array([0.9, 0.8]))
    result = mask_average_precision([dets], [truth])
    assert result['per_class'] == pytest.approx({1: 1.0})
    assert result['num_instances'] == {1: 1}


def random_case(seed):
    rng = np.random.default_rng(seed)
    truths, preds = [], []
    for _ in range(4):
        gt_masks, gt_labels, gt_crowd = [], [], []
        for _ in range(rng.integers(1, 5)):
            mask = np.zeros((20, 24), bool)
            y, x = rng.integers(0, 14), rng.integers(0, 18)
            mask[y:y + rng.integers(3, 7), x:x + rng.integers(3, 7)] = True
            gt_masks.append(mask)
            gt_labels.append(int(rng.integers(1, 4)))
            gt_crowd.append(bool(rng.random() < 0.15))
        dt_masks, dt_labels, dt_scores = [], [], []
        for mask, label in zip(gt_masks, gt_labels):
            for _ in range(rng.integers(0, 3)):  # jittered copies
                shifted = np.roll(mask, rng.integers(-2, 3), axis=1)
                dt_masks.append(shifted)
                dt_labels.append(label if rng.random() < 0.8 else 1)
                dt_scores.append(float(rng.random()))
        truths.append(ImageInstances(rles(gt_masks), np.array(gt_labels),
                                     crowd=np.array(gt_crowd)))
        preds.append(
            ImageInstances(
                rles(dt_masks) if dt_masks else [], np.array(dt_labels),
                np.array(dt_scores)))
    return preds, truths


def cocoeval_ap50(preds, truths):
    """AP@50 per class from pycocotools' own COCOeval."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def jsonable(rle):
        return dict(rle, counts=rle['counts'].decode())

    images, anns, results = [], [], []
    for image_id, (pred, truth) in enumerate(zip(preds, truths), start=1):
        images.append(dict(id=image_id, height=20, width=24))
        for rle, label, crowd in zip(truth.rles, truth.labels, truth.crowd):
            from pycocotools import mask as mask_utils
            anns.append(
                dict(id=len(anns) + 1, image_id=image_id,
                     category_id=int(label), segmentation=jsonable(rle),
                     area=float(mask_utils.area(rle)), iscrowd=int(crowd),
                     bbox=list(mask_utils.toBbox(rle))))
        for rle, label, score in zip(pred.rles, pred.labels, pred.scores):
            results.append(
                dict(image_id=image_id, category_id=int(label),
                     segmentation=jsonable(rle), score=float(score)))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = dict(
            images=images, annotations=anns,
            categories=[dict(id=c, name=str(c)) for c in (1, 2, 3)])
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes(json.loads(
            json.dumps(results))), 'segm')
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval['precision'][0, :, :, 0, 2]  # IoU .5, all
    return {
        cat: float(precision[:, k].mean())
        for k, cat in enumerate(evaluator.params.catIds)
        if (precision[:, k] > -1).all()
    }


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_pycocotools_cocoeval(seed):
    preds, truths = random_case(seed)
    expected = cocoeval_ap50(preds, truths)
    result = mask_average_precision(preds, truths)
    assert result['per_class'] == pytest.approx(expected, abs=1e-12)


def test_reads_the_demo_world_instance_layout(tmp_path):
    from PIL import Image
    ids = np.zeros((4, 5), np.uint8)
    ids[0:2, 0:2] = 1
    ids[2:4, 3:5] = 2
    Image.fromarray(ids).save(tmp_path / 'a.png')
    (tmp_path / 'a.json').write_text(json.dumps(dict(objects=[
        dict(id=1, class_id=3), dict(id=2, class_id=1, iscrowd=1)])))
    truth = read_instance_folder(str(tmp_path), 'a')
    assert truth.labels.tolist() == [3, 1]
    assert truth.crowd.tolist() == [False, True]
    decoded = ImageRecord((4, 5), [r['counts'] for r in truth.rles]) \
        .decode_masks()
    np.testing.assert_array_equal(decoded[0], ids == 1)
    np.testing.assert_array_equal(decoded[1], ids == 2)
    assert read_instance_folder(str(tmp_path), 'missing') is None
