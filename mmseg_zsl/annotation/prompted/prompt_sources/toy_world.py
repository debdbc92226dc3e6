"""Boxes, clicks and scribbles derived from the demo world's instances.

The demo world (:mod:`mmseg_zsl.toy_world`) stores, per image,
``instances/<id>.png`` (instance ids, 0 = background) and
``instances/<id>.json`` (per object: class, visible ``bbox`` in pixel-edge
coordinates, interior ``points`` with the most interior first; and
``background_points``). From them:

- boxes: each object's visible box;
- points: the first ``points_per_object`` interior points of each object,
  plus ``background_points`` background clicks (negative prompts);
- scribbles: a cross through each object's most interior pixel, made of
  the object's pixels on that row and column that lie at least half as
  deep inside it (distance to its border); plus, through each of the
  first ``background_scribbles`` background points, a cross of background
  pixels at least 2 px from any object, within ``background_radius``.
"""
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np
from tqdm import tqdm

from .prompt_json import write_prompt_entries
from .scribble_png import read_index_png

BACKGROUND = 'background'
#: Background scribble pixels keep this distance (px) from every object.
BACKGROUND_MARGIN = 2.0


def _cross(mask: np.ndarray, x: int, y: int) -> np.ndarray:
    """Pixels of ``mask`` on row ``y`` or column ``x``, as ``(n, 2)`` x, y."""
    cross = np.zeros_like(mask)
    cross[y, :] = mask[y, :]
    cross[:, x] = mask[:, x]
    cross[y, x] = True
    ys, xs = np.nonzero(cross)
    return np.stack([xs, ys], axis=1)


def object_scribble(instance_map: np.ndarray, instance_id: int, x: int,
                    y: int) -> np.ndarray:
    """The cross scribble of one object through its interior pixel x, y."""
    import cv2
    mask = (instance_map == instance_id).astype(np.uint8)
    depth = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    deep = depth >= max(1.0, depth[y, x] / 2)
    return _cross(deep, x, y)


def background_scribble(instance_map: np.ndarray, x: int, y: int,
                        radius: int) -> np.ndarray:
    """A cross of background pixels through the background pixel x, y."""
    import cv2
    background = (instance_map == 0).astype(np.uint8)
    depth = cv2.distanceTransform(background, cv2.DIST_L2, 3)
    window = np.zeros(background.shape, dtype=bool)
    window[max(0, y - radius):y + radius + 1,
           max(0, x - radius):x + radius + 1] = True
    return _cross((depth >= BACKGROUND_MARGIN) & window, x, y)


def toy_world_prompt_entry(instances: Dict,
                           instance_map: np.ndarray,
                           points_per_object: int = 1,
                           background_points: int = 1,
                           background_scribbles: int = 1,
                           background_radius: int = 12) -> Dict:
    """The prompt JSON entry of one demo-world image (see module doc)."""
    boxes, points, scribbles = [], [], []
    for obj in instances['objects']:
        name = obj['class_name']
        boxes.append({'class': name, 'box': [int(v) for v in obj['bbox']]})
        clicks = [list(p) for p in obj['points'][:points_per_object]]
        if clicks:
            points.append({'class': name, 'xy': clicks})
        x, y = obj['points'][0]
        scribbles.append({
            'class': name,
            'xy': object_scribble(instance_map, obj['id'], x, y).tolist()
        })
    clicks = [list(p) for p in instances['background_points']]
    if clicks[:background_points]:
        points.append({'class': BACKGROUND, 'xy': clicks[:background_points]})
    for x, y in clicks[:background_scribbles]:
        scribbles.append({
            'class': BACKGROUND,
            'xy': background_scribble(instance_map, x, y,
                                      background_radius).tolist()
        })
    return dict(
        height=int(instances['height']),
        width=int(instances['width']),
        boxes=boxes,
        points=points,
        scribbles=scribbles)


def _split_stems(split_file: str) -> List[str]:
    with open(split_file, encoding='utf-8') as file:
        return [
            osp.splitext(osp.basename(line.split()[0]))[0] for line in file
            if line.strip()
        ]


def write_toy_world_prompts(world_root: str,
                            out: str,
                            split_file: Optional[str] = None,
                            progress: bool = True,
                            **entry_options) -> Dict[str, int]:
    """Write the prompt JSON of a demo world's images.

    Args:
        world_root (str): A world written by ``tools/make_toy_world.py``.
        out (str): Folder of ``<id>.json``, or one ``.json`` file.
        split_file (str, optional): Images to cover (UniMatch split lines).
            Defaults to ``<world_root>/splits/train.txt``.
        progress (bool): Show a progress bar. Defaults to True.
        **entry_options: :func:`toy_world_prompt_entry` options.

    Returns:
        dict: ``num_images``, ``num_boxes``, ``num_points``,
        ``num_scribble_pixels``.
    """
    split_file = split_file or osp.join(world_root, 'splits', 'train.txt')
    instance_dir = osp.join(world_root, 'instances')
    if not osp.isfile(split_file) or not osp.isdir(instance_dir):
        raise FileNotFoundError(
            f'{world_root!r} is not a demo world (needs instances/ and '
            f'{split_file}); make one with tools/make_toy_world.py.')
    entries = {}
    for stem in tqdm(_split_stems(split_file), desc='prompts', unit='img',
                     file=sys.stderr, disable=not progress):
        with open(osp.join(instance_dir, stem + '.json'),
                  encoding='utf-8') as file:
            instances = json.load(file)
        instance_map = read_index_png(osp.join(instance_dir, stem + '.png'))
        entries[stem] = toy_world_prompt_entry(instances, instance_map,
                                               **entry_options)
    write_prompt_entries(out, entries)
    return dict(
        num_images=len(entries),
        num_boxes=sum(len(e['boxes']) for e in entries.values()),
        num_points=sum(
            len(g['xy']) for e in entries.values() for g in e['points']),
        num_scribble_pixels=sum(
            len(g['xy']) for e in entries.values() for g in e['scribbles']))
