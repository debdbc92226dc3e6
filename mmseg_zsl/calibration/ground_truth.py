"""Where the labelled images' ground truth is (read it with
:func:`mmseg_zsl.utils.read_ground_truth`, as mmseg does).

- ``gt_dir``: ``<gt_dir>/<stem><gt_suffix>`` for every image;
- a split file (UniMatch lines ``JPEGImages/x.jpg SegmentationClass/x.png``):
  its second column, relative to ``data_root``;
- an mmseg config: the ``seg_map_path`` of the dataset's data infos (and the
  dataset's ``reduce_zero_label``).
"""
import os.path as osp
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.utils.files import image_stem

#: Ground-truth label left out of mIoU (mmseg's default).
DEFAULT_IGNORE_INDEX = 255
#: Ground-truth file suffix in a ``gt_dir``.
DEFAULT_GT_SUFFIX = '.png'


def _split_ground_truth(split_file: str,
                        data_root: Optional[str]) -> Dict[str, str]:
    paths = {}
    with open(split_file, encoding='utf-8') as file:
        for line_no, line in enumerate(file, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise ValueError(
                    f'{split_file}:{line_no} names no ground truth (a '
                    "second column such as 'SegmentationClass/x.png'); "
                    'pass gt_dir (--gt-dir) instead.')
            paths[image_stem(fields[0])] = osp.join(data_root or '',
                                                    fields[1])
    return paths


def _find_pairs(info: Any) -> Iterable[Tuple[str, str]]:
    """``(img_path, seg_map_path)`` of a data info, also nested ones."""
    if isinstance(info, dict):
        if 'img_path' in info and info.get('seg_map_path'):
            yield info['img_path'], info['seg_map_path']
            return
        for value in info.values():
            yield from _find_pairs(value)
    elif isinstance(info, (list, tuple)):
        for value in info:
            yield from _find_pairs(value)


def _config_ground_truth(config: str,
                         dataset_key: str) -> Tuple[Dict[str, str], bool]:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(config)
    node: Any = cfg
    for key in dataset_key.split('.'):
        if key not in node:
            raise ValueError(f'{config} has no {dataset_key!r}.')
        node = node[key]
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(node)
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    paths = {}
    for index in range(len(dataset)):
        for img_path, seg_path in _find_pairs(dataset.get_data_info(index)):
            paths[image_stem(img_path)] = seg_path
    reduce_zero_label = bool(getattr(dataset, 'reduce_zero_label', False))
    return paths, reduce_zero_label


def ground_truth_paths(stems: Sequence[str],
                       source: Optional[str] = None,
                       gt_dir: Optional[str] = None,
                       gt_suffix: Optional[str] = None,
                       data_root: Optional[str] = None,
                       dataset_key: str = 'train_dataloader.dataset'
                       ) -> Tuple[Dict[str, str], bool]:
    """Ground-truth file of every stem, and whether to reduce zero labels.

    Args:
        stems (Sequence[str]): Images that need ground truth.
        source (str, optional): The annotation input (config, split file or
            folder), used when ``gt_dir`` is not given.
        gt_dir (str, optional): Directory of ``<stem><gt_suffix>`` files.
        gt_suffix (str, optional): Defaults to '.png'.
        data_root (str, optional): Root of a split file's paths.
        dataset_key (str): Dataset key in a config.
    """
    reduce_zero_label = False
    if gt_dir is not None:
        if not osp.isdir(gt_dir):
            raise FileNotFoundError(
                f'Ground-truth directory {gt_dir!r} does not exist.')
        suffix = DEFAULT_GT_SUFFIX if gt_suffix is None else gt_suffix
        found = {s: osp.join(gt_dir, s + suffix) for s in stems}
    elif source is not None and source.endswith('.py'):
        found, reduce_zero_label = _config_ground_truth(source, dataset_key)
    elif source is not None and osp.isfile(source):
        found = _split_ground_truth(source, data_root)
    else:
        raise ValueError(
            'No ground truth: the input is a folder of images; pass gt_dir '
            '(--gt-dir), the directory of <stem>.png ground-truth label '
            'maps.')
    missing = [s for s in stems if s not in found or not osp.isfile(found[s])]
    if missing:
        example = found.get(missing[0], f'{missing[0]} (not listed)')
        raise FileNotFoundError(
            f'{len(missing)} of {len(stems)} labelled images have no '
            f'ground-truth file, e.g. {example}. Calibration needs the '
            'ground truth of every image it scores (pass --gt-dir or fix '
            '--data-root).')
    return {s: found[s] for s in stems}, reduce_zero_label


def check_record(record: ImageRecord, gt: np.ndarray, stem: str) -> None:
    """Raise unless a cache record can be scored against ``gt``."""
    if record.embeddings is None:
        raise ValueError(
            f'The cache of {stem} has no segment embeddings: it was not '
            'written by the zero-shot annotator, which calibration tunes.')
    if tuple(record.image_size) != tuple(gt.shape):
        raise ValueError(
            f'{stem}: the image was annotated at {tuple(record.image_size)} '
            f'but its ground truth is {tuple(gt.shape)}.')
