"""U-SAM inference: confidence threshold, mask NMS, painting, the engine."""
import json
import os

import cv2
import numpy as np
import pytest
import torch

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.annotation.usam import (MaskClassifier, USamLabeler,
                                       USamTrainConfig, USamTrainer, mask_iou,
                                       mask_nms, match_class_names)
from mmseg_zsl.apis import annotate, relabel

SHAPE_CLASSES = ['background', 'disc', 'block']


def rles(masks):
    return ImageRecord(masks.shape[1:], ImageRecord.encode_masks(masks))


def identity_classifier():
    """A 4-layer MLP whose logits equal its (non-negative) 2-d input."""
    model = MaskClassifier(2, 2, hidden_channels=(2, 2, 2))
    with torch.no_grad():
        for layer in model.layers:
            if isinstance(layer, torch.nn.Linear):
                layer.weight.copy_(torch.eye(2))
                layer.bias.zero_()
    return model


def test_mask_nms_by_hand():
    """Masks on a 1 x 10 row: a = cols 0-5, b = cols 1-5, c = cols 5-9.

    IoU(a, b) = 5 / 6 = 0.83, IoU(a, c) = 1 / 10, IoU(b, c) = 1 / 9.
    Scores b 0.9 > a 0.8 > c 0.7: b is kept, a is suppressed by b
    (0.83 > 0.5), c is kept.
    """
    masks = np.zeros((3, 1, 10), bool)
    masks[0, 0, 0:6] = masks[1, 0, 1:6] = masks[2, 0, 5:10] = True
    record = rles(masks)
    ious = mask_iou(record.coco_rles(), record.coco_rles())
    np.testing.assert_allclose(ious[0, 1:], [5 / 6, 1 / 10])
    assert mask_nms(record.coco_rles(), [0.8, 0.9, 0.7], 0.5) == [1, 2]
    assert mask_nms(record.coco_rles(), [0.8, 0.9, 0.7], 0.9) == [1, 0, 2]


def test_labeler_keeps_confident_distinct_masks_and_paints_them():
    """A 4 x 6 image; embeddings are the logits (identity classifier).

    m0 rows 0-3 cols 0-2 (12 px), logits [3, 0]: p = 0.953, class 0
    m1 rows 0-3 cols 0-1 (8 px),  logits [2, 0]: p = 0.881, class 0,
        IoU(m0, m1) = 8 / 12 = 0.67 > 0.5 -> suppressed by m0
    m2 rows 1-2 col 1 (2 px),     logits [0, 4]: p = 0.982, class 1,
        inside m0: IoU 2 / 12 -> kept, painted over m0 (smaller wins)
    m3 rows 0-3 cols 4-5,         logits [.5, 0]: p = 0.622 < 0.7 -> dropped
    m4 empty,                     logits [5, 0]: p = 0.993 -> dropped (empty)
    Classes 0 and 1 are label ids 1 and 2; the rest is unassigned (0).
    """
    masks = np.zeros((5, 4, 6), bool)
    masks[0, :, 0:3] = True
    masks[1, :, 0:2] = True
    masks[2, 1:3, 1] = True
    masks[3, :, 4:6] = True
    record = rles(masks)
    record.embeddings = np.array(
        [[3, 0], [2, 0], [0, 4], [.5, 0], [5, 0]], np.float16)
    labeler = USamLabeler(identity_classifier(), [1, 2])
    found = labeler.detections(record)
    assert found.indices.tolist() == [2, 0]  # best first
    assert found.labels.tolist() == [2, 1]
    np.testing.assert_allclose(
        found.scores, [1 / (1 + np.exp(-4)), 1 / (1 + np.exp(-3))],
        rtol=1e-6)
    expected = np.array([[1, 1, 1, 0, 0, 0], [1, 2, 1, 0, 0, 0],
                         [1, 2, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]], np.uint8)
    np.testing.assert_array_equal(labeler(record), expected)
    np.testing.assert_array_equal(labeler(record, masks), expected)
    # threshold 0.99: only the empty mask would pass -> nothing painted
    strict = USamLabeler(identity_classifier(), [1, 2],
                         confidence_threshold=0.99, unassigned_label=255)
    assert (strict(record) == 255).all()


def test_labeler_errors():
    with pytest.raises(ValueError, match='unassigned_label 0'):
        USamLabeler(identity_classifier(), [0, 1])
    with pytest.raises(ValueError, match='2 label ids'):
        USamLabeler(MaskClassifier(2, 3), [1, 2])
    with pytest.raises(ValueError, match="classes \\['cat'\\]"):
        match_class_names(['disc', 'cat'], SHAPE_CLASSES)
    # display names match too: 'potted plant' folder -> 'pottedplant'
    assert match_class_names(['potted plant', 'cat'],
                             ['background', 'cat', 'pottedplant']) == [2, 1]


@pytest.fixture(scope='module')
def classifier_checkpoint(tmp_path_factory):
    """A student trained on random 128-d embeddings (the tiny SAM's)."""
    work_dir = tmp_path_factory.mktemp('usam_classifier')
    torch.manual_seed(0)
    embeddings = torch.randn(6, 9, 128).half()
    targets = torch.eye(2)[[0, 1, 0, 1, 0, 1]]
    meta = dict(
        sam=dict(model_type='tiny', random_init='tiny'),
        embedder=dict(points_per_side=3, mask_selection='best',
                      embed_dim=128))
    config = USamTrainConfig(teacher_epochs=1, student_epochs=1)
    USamTrainer(embeddings, targets, ['disc', 'block'], str(work_dir),
                config, meta, progress=False).run()
    return str(work_dir / 'student.pth')


@pytest.fixture
def image_dir(tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    for index, (height, width) in enumerate([(30, 40), (36, 28)]):
        image = np.full((height, width, 3), 90 + 60 * index, np.uint8)
        cv2.circle(image, (width // 2, height // 2), 8, (250, 40, 40), -1)
        cv2.imwrite(str(folder / f'img{index}.png'), image)
    return str(folder)


def test_run_annotation_writes_label_pngs_and_relabels(
        classifier_checkpoint, image_dir, tmp_path):
    out = str(tmp_path / 'out')
    options = dict(random_init='tiny', classes=SHAPE_CLASSES, device='cpu',
                   progress=False)
    own, merged = annotate(
        image_dir, out, mode='usam', checkpoint=classifier_checkpoint,
        confidence_threshold=0.0, **options)
    assert (merged.done, merged.failed, merged.num_masks) == (2, [], 18)
    for stem, size in (('img0', (30, 40)), ('img1', (36, 28))):
        label = cv2.imread(f'{out}/labels/{stem}.png', cv2.IMREAD_UNCHANGED)
        assert label.shape == size and label.dtype == np.uint8
        # threshold 0: every non-empty mask gets disc (1) or block (2)
        assert set(np.unique(label)) <= {0, 1, 2}
        record = ImageRecord.from_file(f'{out}/cache/{stem}.npz')
        assert record.num_masks == 9 and record.embeddings.shape == (9, 128)
        assert set(record.fields) == {'predicted_iou', 'point_coords'}
    with open(f'{out}/manifest.json') as file:
        manifest = json.load(file)
    assert manifest['annotator'] == 'usam'
    assert manifest['labels']['classes'] == SHAPE_CLASSES
    assert manifest['labels']['classifier']['label_ids'] == [1, 2]
    assert manifest['annotator_settings']['usam_embedder'][
        'points_per_side'] == 3  # taken from the classifier's training
    # resume: nothing to do
    _, again = annotate(
        image_dir, out, mode='usam', checkpoint=classifier_checkpoint,
        confidence_threshold=0.0, **options)
    assert (again.done, again.skipped) == (0, 2)
    # another threshold needs --relabel, which works without SAM
    with pytest.raises(ValueError, match='--relabel'):
        annotate(image_dir, out, mode='usam',
                 checkpoint=classifier_checkpoint, confidence_threshold=1.0,
                 **options)
    _, relabelled = relabel(out, confidence_threshold=1.0, progress=False)
    assert relabelled.done == 2
    for stem in ('img0', 'img1'):
        label = cv2.imread(f'{out}/labels/{stem}.png', cv2.IMREAD_UNCHANGED)
        assert (label == 0).all()  # no mask is 100 % confident
    with open(f'{out}/manifest.json') as file:
        manifest = json.load(file)
    assert manifest['labels']['confidence_threshold'] == 1.0
    assert manifest['history'][0]['confidence_threshold'] == 0.0
    assert sorted(os.listdir(f'{out}/labels')) == ['img0.png', 'img1.png']


def test_classifier_of_another_sam_is_refused(classifier_checkpoint,
                                              image_dir, tmp_path):
    with pytest.raises(ValueError, match='trained on mask embeddings'):
        annotate(
            image_dir, str(tmp_path / 'out'), mode='usam',
            checkpoint=classifier_checkpoint, random_init='full',
            sam_model_type='vit_b', device='cpu', progress=False)
