"""Which images to annotate: an mmseg config, a split file or a folder."""
import os
import os.path as osp
from dataclasses import dataclass
from typing import (TYPE_CHECKING, Any, Dict, Iterable, List, Optional,
                    Sequence, Tuple, Union)

import numpy as np

from mmseg_zsl.utils.files import image_stem

if TYPE_CHECKING:
    from mmengine.config import Config

#: File extensions taken from an image folder (case-insensitive).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
#: Where a config's images are read from by default.
DEFAULT_DATASET_KEY = 'train_dataloader.dataset'


@dataclass
class ImageSource:
    """Images to annotate and where they came from.

    Attributes:
        paths (list[str]): Image paths, in a deterministic order.
        kind (str): 'config', 'split' or 'folder'.
        location (str): The config, split file or folder.
        classes (list[str], optional): Class names of the dataset's
            metainfo (config inputs only).
    """
    paths: List[str]
    kind: str
    location: str
    classes: Optional[List[str]] = None

    def describe(self) -> Dict[str, Any]:
        return dict(
            kind=self.kind, location=self.location, num_images=len(self.paths))


def check_unique_stems(paths: Sequence[str]) -> List[str]:
    """Stems of ``paths``; raises if two images would share a label file."""
    seen: Dict[str, str] = {}
    clashes: List[Tuple[str, str]] = []
    stems = []
    for path in paths:
        stem = image_stem(path)
        if stem in seen:
            clashes.append((seen[stem], path))
        seen.setdefault(stem, path)
        stems.append(stem)
    if clashes:
        shown = '; '.join(f'{a} and {b}' for a, b in clashes[:5])
        raise ValueError(
            f'{len(clashes)} images share a file name stem with another '
            f'image, so their labels would overwrite each other ({shown}). '
            'Labels are written as <stem>.png; annotate such images into '
            'separate output directories or rename them.')
    return stems


def list_images(source: Union[str, 'Config'],
                data_root: Optional[str] = None,
                dataset_key: str = DEFAULT_DATASET_KEY) -> ImageSource:
    """List the images of an mmseg config, a split file or a folder.

    Args:
        source (str | Config): A ``.py`` mmseg config or a loaded one (the
            dataset at ``dataset_key`` is built and its ``img_path`` entries
            are taken; a loaded config keeps its ``--cfg-options``), a split
            file
            (UniMatch format: lines ``JPEGImages/x.jpg
            SegmentationClass/x.png``; the first column is the image, relative
            to ``data_root``) or a folder (searched recursively for
            :data:`IMAGE_EXTENSIONS`).
        data_root (str, optional): Root of a split file's paths (required for
            split files).
        dataset_key (str): Dotted key of the dataset in a config. Defaults to
            'train_dataloader.dataset'.
    """
    if not isinstance(source, str):
        paths, classes = _config_images(source, dataset_key)
        return ImageSource(paths, 'config', source.filename, classes)
    if osp.isdir(source):
        return ImageSource(_folder_images(source), 'folder', source)
    if not osp.isfile(source):
        raise FileNotFoundError(
            f'Input {source!r} does not exist. Expected an mmseg config '
            '(.py), a split file (.txt) or a folder of images.')
    if source.endswith('.py'):
        paths, classes = _config_images(source, dataset_key)
        return ImageSource(paths, 'config', source, classes)
    return ImageSource(_split_images(source, data_root), 'split', source)


def _folder_images(folder: str) -> List[str]:
    paths = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        paths.extend(
            osp.join(root, name) for name in sorted(files)
            if name.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise ValueError(f'No images ({", ".join(IMAGE_EXTENSIONS)}) found '
                         f'under {folder!r}.')
    return paths


def _split_images(split_file: str, data_root: Optional[str]) -> List[str]:
    if data_root is None:
        raise ValueError(
            f'{split_file} is read as a split file; pass data_root '
            '(--data-root), the directory its paths are relative to, e.g. '
            'data/VOCdevkit/VOC2012 for UniMatch PASCAL splits.')
    paths = []
    with open(split_file, encoding='utf-8') as file:
        for line in file:
            fields = line.split()
            if fields:
                paths.append(osp.join(data_root, fields[0]))
    if not paths:
        raise ValueError(f'Split file {split_file!r} lists no images.')
    return paths


def build_config_dataset(config: Union[str, 'Config'], dataset_key: str):
    """The dataset at ``dataset_key`` of a config (path or loaded), built
    and fully initialised."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    node: Any = cfg
    for key in dataset_key.split('.'):
        if key not in node:
            raise ValueError(
                f'{cfg.filename} has no {dataset_key!r} (missing {key!r}); '
                'pass the dotted key of the dataset to annotate '
                '(--dataset-key).')
        node = node[key]
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(node)
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    return dataset


def _config_images(config: Union[str, 'Config'],
                   dataset_key: str) -> Tuple[List[str], Optional[List[str]]]:
    dataset = build_config_dataset(config, dataset_key)
    paths: List[str] = []
    for index in range(len(dataset)):
        paths.extend(_find_img_paths(dataset.get_data_info(index)))
    paths = list(dict.fromkeys(paths))  # repeat/concat wrappers repeat
    if not paths:
        name = config if isinstance(config, str) else config.filename
        raise ValueError(f'The dataset {dataset_key!r} of {name} lists no '
                         "images (no 'img_path' in its data infos).")
    classes = getattr(dataset, 'metainfo', {}).get('classes')
    return paths, list(classes) if classes else None


def _find_img_paths(info: Any) -> Iterable[str]:
    """``img_path`` values of a data info, also inside nested wrappers."""
    if isinstance(info, dict):
        if 'img_path' in info:
            yield info['img_path']
            return
        for value in info.values():
            yield from _find_img_paths(value)
    elif isinstance(info, (list, tuple)):
        for value in info:
            yield from _find_img_paths(value)


def read_image(path: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB, decoded as mmseg's LoadImageFromFile does."""
    import mmcv
    with open(path, 'rb') as file:
        content = file.read()
    try:
        image = mmcv.imfrombytes(
            content, flag='color', channel_order='rgb', backend='cv2')
    except Exception as error:  # cv2 raises cv2.error on undecodable data
        raise ValueError(f'cannot decode image: {error}') from error
    if image is None or image.ndim != 3 or image.size == 0:
        raise ValueError('cannot decode image')
    return image
