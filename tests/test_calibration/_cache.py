"""Hand-made annotation caches with known similarities, and references.

Text classes get orthogonal unit embeddings; a segment meant for class c
gets ``s * t_c + sqrt(1 - s^2) * e_last``, so its similarity is ``s`` to
class c and 0 to the others. The references below (painting, mIoU) are
plain numpy written for the tests, independent of the package.
"""
import os
import os.path as osp
import zlib

import cv2
import numpy as np
import torch

from mmseg_zsl.annotation.cache import ImageRecord

CLASSES = ['background', 'cat', 'dog', 'bird']
TEXT_CLASS_IDS = [1, 2, 3]
DIM = 8
PROMPTS = {name: f'a photo of a {name}.' for name in CLASSES[1:]}


def unit(index):
    vector = np.zeros(DIM)
    vector[index] = 1.0
    return vector


#: Text embedding of each text class's default prompt.
TEXT_VECTORS = {1: unit(0), 2: unit(1), 3: unit(2)}


def segment_embedding(label, similarity):
    """Unit vector with cosine ``similarity`` to class ``label``'s text."""
    return similarity * TEXT_VECTORS[label] + np.sqrt(
        1 - similarity**2) * unit(DIM - 1)


class FakeEncoder:
    """Prompt -> embedding from a table; other prompts get a fixed random
    vector (seeded by the text), nearly orthogonal to everything."""

    def __init__(self, table=None):
        self.table = {
            PROMPTS[CLASSES[i]]: TEXT_VECTORS[i]
            for i in TEXT_CLASS_IDS
        }
        self.table.update(table or {})
        self.calls = 0

    def vector(self, text):
        if text in self.table:
            return np.asarray(self.table[text], dtype=np.float64)
        rng = np.random.default_rng(zlib.crc32(text.encode()))
        return rng.normal(size=DIM) * 1e-3 + unit(DIM - 2)

    def __call__(self, texts):
        self.calls += 1
        vectors = torch.tensor(np.stack([self.vector(t) for t in texts]),
                               dtype=torch.float32)
        return torch.nn.functional.normalize(vectors, dim=-1)


def random_masks(rng, num_masks, height, width):
    """Overlapping rectangles; some share an area (painting-order ties)."""
    masks = np.zeros((num_masks, height, width), dtype=bool)
    h = w = 2
    for k in range(num_masks):
        if k % 4 != 3:  # every 4th mask: the previous size, elsewhere
            h = int(rng.integers(2, height))
            w = int(rng.integers(2, width))
        y = int(rng.integers(0, height - h + 1))
        x = int(rng.integers(0, width - w + 1))
        masks[k, y:y + h, x:x + w] = True
    return masks


def random_image(rng, num_masks, height=12, width=14, other_label=None):
    """Masks, (label, similarity) per mask, and a noisy ground truth."""
    masks = random_masks(rng, num_masks, height, width)
    labels = rng.choice(TEXT_CLASS_IDS, size=num_masks)
    sims = np.round(rng.uniform(0.05, 0.95, size=num_masks), 3)
    truth = rng.random(num_masks) < 0.6  # which segments really are theirs
    gt = np.zeros((height, width), dtype=np.uint8)
    for k in paint_order(masks):
        if truth[k]:
            gt[masks[k]] = labels[k]
    noise = rng.random((height, width))
    gt[noise < 0.08] = 255
    if other_label is not None:
        gt[(noise > 0.97)] = other_label
    return masks, labels, sims, gt


def paint_order(masks):
    areas = masks.reshape(len(masks), -1 if len(masks) else 0).sum(1)
    return sorted(range(len(masks)), key=lambda k: -areas[k])  # stable


def paint(masks, labels, unassigned):
    """Largest first, smaller win; ties keep order (later wins)."""
    out = np.full(masks.shape[1:], unassigned, dtype=np.int64)
    for k in paint_order(masks):
        if labels[k] >= 0:
            out[masks[k]] = labels[k]
    return out


def confusion_areas(pred, gt, num_classes, ignore=255):
    """(intersect, pred, label) counts of one image, numpy only."""
    valid = gt != ignore
    p, g = pred[valid], gt[valid].astype(np.int64)
    inter = np.zeros(num_classes, np.int64)
    pa = np.zeros(num_classes, np.int64)
    la = np.zeros(num_classes, np.int64)
    for c in range(num_classes):
        inter[c] = np.sum((p == c) & (g == c))
        pa[c] = np.sum(p == c)
        la[c] = np.sum(g == c)
    return inter, pa, la


def miou(areas):
    inter, pa, la = (np.sum([a[i] for a in areas], axis=0)
                     for i in range(3))
    union = pa + la - inter
    ious = [inter[c] / union[c] * 100 for c in range(len(union))
            if union[c] > 0]
    return float(np.mean(ious)) if ious else float('nan')


def brute_force_miou(images, thresholds, unassigned=0, sims=None):
    """mIoU of painting every image with per-text-class ``thresholds``.

    ``images``: (masks, labels, sims, gt); a mask is assigned when its
    similarity (float32, as cached in float16 and renormalised) is above
    its class's threshold.
    """
    areas = []
    for index, (masks, labels, image_sims, gt) in enumerate(images):
        s = image_sims if sims is None else sims[index]
        thr = np.array(
            [thresholds[TEXT_CLASS_IDS.index(lab)] for lab in labels])
        assigned = np.where(s > thr, labels, -1)
        areas.append(
            confusion_areas(paint(masks, assigned, unassigned), gt,
                            len(CLASSES)))
    return miou(areas)


def cached_similarities(labels, sims):
    """The float32 similarities the package sees after the float16 cache."""
    emb = np.stack([segment_embedding(lab, s) for lab, s in zip(labels, sims)])
    emb = torch.from_numpy(emb.astype(np.float16)).float()
    emb = torch.nn.functional.normalize(emb, dim=-1)
    text = torch.nn.functional.normalize(
        torch.tensor(np.stack([TEXT_VECTORS[i] for i in TEXT_CLASS_IDS]),
                     dtype=torch.float32), dim=-1)
    return (emb @ text.T).max(dim=1).values.numpy().astype(np.float64)


def write_cache(root, images, stems=None):
    """Write ``cache/<stem>.npz`` and ``gt/<stem>.png``; returns stems."""
    os.makedirs(osp.join(root, 'cache'), exist_ok=True)
    os.makedirs(osp.join(root, 'labels'), exist_ok=True)
    os.makedirs(osp.join(root, 'gt'), exist_ok=True)
    stems = stems or [f'img{i}' for i in range(len(images))]
    for stem, (masks, labels, sims, gt) in zip(stems, images):
        emb = np.stack([segment_embedding(lab, s)
                        for lab, s in zip(labels, sims)]) if len(labels) \
            else np.zeros((0, DIM))
        ImageRecord(gt.shape, ImageRecord.encode_masks(masks),
                    emb.astype(np.float16)).save(
                        osp.join(root, 'cache', stem + '.npz'))
        cv2.imwrite(osp.join(root, 'gt', stem + '.png'), gt)
    return stems


def brute_force_curve(images, sims, threshold_rows, unassigned=0):
    """:func:`brute_force_miou` for each row of ``(G, C_text)`` thresholds.

    Rows giving the same assignment of every mask are painted once.
    """
    labels = np.concatenate([lab for _, lab, _, _ in images])
    text = np.array([TEXT_CLASS_IDS.index(lab) for lab in labels])
    s = np.concatenate(sims)
    rows = np.asarray(threshold_rows, dtype=np.float64)
    assigned = s[None, :] > rows[:, text]  # (G, M)
    patterns, inverse = np.unique(assigned, axis=0, return_inverse=True)
    values = []
    for pattern in patterns:
        areas, start = [], 0
        for masks, lab, _, gt in images:
            part = pattern[start:start + len(lab)]
            start += len(lab)
            areas.append(
                confusion_areas(
                    paint(masks, np.where(part, lab, -1), unassigned), gt,
                    len(CLASSES)))
        values.append(miou(areas))
    return np.asarray(values)[inverse.reshape(-1)]


def base_labels(threshold=0.5, unassigned=0):
    from mmseg_zsl.calibration import BaseLabels
    return BaseLabels(
        classes=list(CLASSES),
        display_names=list(CLASSES),
        text_class_ids=list(TEXT_CLASS_IDS),
        prompts=[[PROMPTS[CLASSES[i]]] for i in TEXT_CLASS_IDS],
        templates=['a photo of a {}.'],
        threshold=threshold,
        unassigned_label=unassigned)


def in_memory_data(images, embed=segment_embedding):
    """CalibrationData of ``images`` (masks, labels, sims, gt)."""
    from mmseg_zsl.calibration import CalibrationData, compute_image_stats
    stats = []
    for n, (masks, labels, sims, gt) in enumerate(images):
        emb = np.stack([embed(lab, s) for lab, s in zip(labels, sims)]) \
            if len(labels) else np.zeros((0, DIM))
        stats.append(
            compute_image_stats(f'img{n}', masks, emb.astype(np.float16),
                                gt, len(CLASSES), 255))
    return CalibrationData(stats, len(CLASSES))


def tiled_image(segments, height=8, width=24):
    """Side-by-side 8x4 segments: ``[(label, sim, true), ...]``; a false
    segment's ground truth is background."""
    masks = np.zeros((len(segments), height, width), bool)
    gt = np.zeros((height, width), np.uint8)
    for k, (label, _, true) in enumerate(segments):
        masks[k, :, 4 * k:4 * k + 4] = True
        if true:
            gt[:, 4 * k:4 * k + 4] = label
    labels = np.array([s[0] for s in segments])
    sims = np.array([s[1] for s in segments])
    return masks, labels, sims, gt
