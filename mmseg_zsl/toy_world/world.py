"""Write a whole toy world to disk: images, labels, instances, splits."""
import json
import os
import os.path as osp
import shutil
import time
from typing import Dict, List, Sequence

import numpy as np

from .examples import cut_class_examples
from .generator import ToyWorldGenerator
from .io import label_palette, write_json, write_lines, write_png
from .shapes import CLASSES, PALETTE

#: Version of the on-disk layout, recorded in ``meta.json``.
FORMAT_VERSION = 1
#: Sub-directories a world owns (removed by ``overwrite=True``).
WORLD_DIRS = ('images', 'masks', 'instances', 'splits', 'examples')
# Independent random streams: [seed, stream, index] seeds each draw, so
# image i of a split does not depend on how many images are generated.
_STREAMS = dict(train=0, val=1, splits=2)


def image_id(split: str, index: int) -> str:
    """The id (file stem) of image ``index`` of ``split``."""
    return f'{split}_{index:05d}'


def split_line(stem: str) -> str:
    """A UniMatch split-file line for image ``stem``."""
    return f'images/{stem}.png masks/{stem}.png'


def write_split_files(world_dir: str,
                      train_ids: Sequence[str],
                      val_ids: Sequence[str],
                      labeled_counts: Sequence[int] = (8, 16, 32, 64),
                      seed: int = 0,
                      splits_dir: str = 'splits') -> Dict[int, List[str]]:
    """Write UniMatch-format split files.

    Writes ``<splits_dir>/train.txt``, ``<splits_dir>/val.txt`` and, for
    each count n, ``<splits_dir>/<n>/labeled.txt`` (n train images drawn
    with ``seed``) and ``<splits_dir>/<n>/unlabeled.txt`` (the rest of
    train). Counts are drawn independently (not nested), as in UniMatch.
    Lines are ``images/<id>.png masks/<id>.png``, sorted by id. A count
    equal to the number of train images labels them all (the fully
    supervised reference); its ``unlabeled.txt`` then lists them all too,
    so that an epoch (a pass over the unlabeled set) keeps its length.

    Args:
        world_dir (str): root of the world.
        train_ids (Sequence[str]): ids of the training images.
        val_ids (Sequence[str]): ids of the validation images.
        labeled_counts (Sequence[int]): labeled set sizes.
            Defaults to (8, 16, 32, 64).
        seed (int): seed of the labeled draws. Defaults to 0.
        splits_dir (str): folder under ``world_dir``, e.g. ``splits_seed1``
            for a second draw. Defaults to 'splits'.

    Returns:
        dict[int, list[str]]: the labeled ids of each count.
    """
    root = osp.join(world_dir, splits_dir)
    write_lines(osp.join(root, 'train.txt'), map(split_line, train_ids))
    write_lines(osp.join(root, 'val.txt'), map(split_line, val_ids))
    chosen = {}
    for n in labeled_counts:
        if not 0 < n <= len(train_ids):
            raise ValueError(f'labeled count {n} must be in [1, '
                             f'{len(train_ids)}] (the train images); lower '
                             'it or generate more train images.')
        rng = np.random.default_rng([seed, _STREAMS['splits'], n])
        picked = set(rng.choice(len(train_ids), size=n, replace=False))
        labeled = [s for i, s in enumerate(train_ids) if i in picked]
        unlabeled = [s for i, s in enumerate(train_ids) if i not in picked]
        if not unlabeled:
            unlabeled = list(train_ids)
        write_lines(osp.join(root, str(n), 'labeled.txt'),
                    map(split_line, labeled))
        write_lines(osp.join(root, str(n), 'unlabeled.txt'),
                    map(split_line, unlabeled))
        chosen[n] = labeled
    return chosen


def _prepare_dir(out_dir: str, meta: Dict, files: List[str],
                 overwrite: bool) -> bool:
    """Return True when ``out_dir`` already holds this exact world."""
    meta_path = osp.join(out_dir, 'meta.json')
    if osp.isfile(meta_path):
        with open(meta_path) as f:
            same = json.load(f) == meta
        if same and not overwrite and all(
                osp.isfile(osp.join(out_dir, p)) for p in files):
            return True
        if not same and not overwrite:
            raise ValueError(
                f'{out_dir} holds a different toy world (its meta.json '
                'differs from the requested one); pass overwrite=True '
                '(--overwrite) to replace it, or choose another directory.')
        # meta.json first, so that an interrupted rewrite never looks done
        os.remove(meta_path)
        for sub in WORLD_DIRS:
            shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)
    elif osp.isdir(out_dir) and not set(os.listdir(out_dir)) <= set(
            WORLD_DIRS):
        # only an interrupted world (our own folders, no meta.json yet) is
        # written over without asking
        raise ValueError(f'{out_dir} is not empty and holds no toy world '
                         '(no meta.json); choose an empty or new directory.')
    return False


def generate_toy_world(out_dir: str,
                       num_train: int = 400,
                       num_val: int = 100,
                       seed: int = 0,
                       labeled_counts: Sequence[int] = (8, 16, 32, 64),
                       examples_per_class: int = 0,
                       overwrite: bool = False,
                       show_progress: bool = True,
                       **generator_kwargs) -> Dict:
    """Generate a toy world; the same arguments give byte-identical files.

    Layout under ``out_dir``: ``images/<id>.png`` (RGB),
    ``masks/<id>.png`` (palette PNG of class indices),
    ``instances/<id>.png`` (instance ids) and ``instances/<id>.json``
    (objects, boxes, points), ``splits/`` (see :func:`write_split_files`),
    optional ``examples/<class>/*.png`` and ``meta.json``. Ids are
    ``train_00000``... and ``val_00000``...

    Args:
        out_dir (str): destination; created if missing.
        num_train (int): training images. Defaults to 400.
        num_val (int): validation images. Defaults to 100.
        seed (int): world seed. Defaults to 0.
        labeled_counts (Sequence[int]): labeled split sizes.
            Defaults to (8, 16, 32, 64).
        examples_per_class (int): single-object example images cut per
            class (0: none); see :func:`cut_class_examples`. Defaults to 0.
        overwrite (bool): replace a different world found in ``out_dir``.
            Defaults to False.
        show_progress (bool): show a progress bar. Defaults to True.
        **generator_kwargs: arguments of :class:`ToyWorldGenerator`.

    Returns:
        dict: summary (``num_train``, ``num_val``, ``seconds``,
        ``class_pixels``, ``examples``, ``skipped``).
    """
    if num_train < 1 or num_val < 0:
        raise ValueError('need num_train >= 1 and num_val >= 0, got '
                         f'{num_train} and {num_val}.')
    generator = ToyWorldGenerator(**generator_kwargs)
    ids = dict(
        train=[image_id('train', i) for i in range(num_train)],
        val=[image_id('val', i) for i in range(num_val)])
    files = [f'{sub}/{stem}.{ext}' for split in ('train', 'val')
             for stem in ids[split]
             for sub, ext in (('images', 'png'), ('masks', 'png'),
                              ('instances', 'png'), ('instances', 'json'))]
    meta = dict(
        format_version=FORMAT_VERSION,
        classes=list(CLASSES),
        palette=[list(c) for c in PALETTE],
        seed=seed,
        num_train=num_train,
        num_val=num_val,
        labeled_counts=[int(n) for n in labeled_counts],
        examples_per_class=examples_per_class,
        generator=generator.config())
    start = time.perf_counter()
    summary = dict(num_train=num_train, num_val=num_val, out_dir=out_dir)
    if _prepare_dir(out_dir, meta, files, overwrite):
        summary.update(skipped=True, seconds=time.perf_counter() - start)
        return summary

    palette = label_palette()
    class_pixels = np.zeros(len(CLASSES), np.int64)
    bar = None
    if show_progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(num_train + num_val)
    for split in ('train', 'val'):
        for index, stem in enumerate(ids[split]):
            rng = np.random.default_rng([seed, _STREAMS[split], index])
            sample = generator.sample(rng)
            write_png(osp.join(out_dir, 'images', f'{stem}.png'),
                      sample.image)
            write_png(
                osp.join(out_dir, 'masks', f'{stem}.png'), sample.mask,
                palette)
            write_png(
                osp.join(out_dir, 'instances', f'{stem}.png'),
                sample.instance_map)
            write_json(
                osp.join(out_dir, 'instances', f'{stem}.json'),
                dict(
                    id=stem,
                    split=split,
                    height=int(sample.mask.shape[0]),
                    width=int(sample.mask.shape[1]),
                    objects=sample.objects,
                    background_points=sample.background_points))
            class_pixels += np.bincount(
                sample.mask.ravel(), minlength=len(CLASSES))
            if bar is not None:
                bar.update()
    write_split_files(out_dir, ids['train'], ids['val'], labeled_counts,
                      seed)
    examples = {}
    if examples_per_class > 0:
        examples = cut_class_examples(out_dir, examples_per_class)
    # meta.json last: its presence marks a complete world
    write_json(osp.join(out_dir, 'meta.json'), meta)
    summary.update(
        skipped=False,
        seconds=time.perf_counter() - start,
        class_pixels=dict(zip(CLASSES, class_pixels.tolist())),
        examples=examples)
    return summary
