"""Example images per class and their cached SAM mask embeddings.

Layout of an example folder: ``<example_dir>/<class name>/*.jpg|png...``,
one object per image. Embeddings are computed once per image and cached as
``<cache_dir>/<class name>/<file name>.npy`` (``(d, D)`` float16), next to
``meta.json`` recording what they depend on (SAM, grid); training reads the
cache only.
"""
import hashlib
import io
import json
import os
import os.path as osp
import shutil
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from mmseg_zsl.utils.files import atomic_write_bytes, remove_stale_temp_files
from .tokens import SamMaskEmbedder

#: Image files taken from a class folder (case-insensitive).
EXAMPLE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
META_NAME = 'meta.json'


@dataclass
class ExampleSet:
    """Single-object example images and their class indices.

    Attributes:
        root (str): The example folder.
        class_names (list[str]): Classifier classes; index = output.
        files (list[str]): Paths relative to ``root``
            (``<class name>/<file>``), sorted within each class.
        labels (list[int]): Class index of each file.
    """
    root: str
    class_names: List[str]
    files: List[str]
    labels: List[int]

    def fingerprint(self) -> str:
        """Hash of the class list and the files (what training saw)."""
        text = json.dumps([self.class_names, self.files, self.labels])
        return hashlib.sha256(text.encode()).hexdigest()

    def counts(self) -> Dict[str, int]:
        return {
            name: self.labels.count(index)
            for index, name in enumerate(self.class_names)
        }


def list_examples(example_dir: str,
                  class_names: Optional[Sequence[str]] = None) -> ExampleSet:
    """The example images of ``example_dir/<class name>/``.

    Args:
        example_dir (str): Folder with one sub-folder of images per class.
        class_names (Sequence[str], optional): Classes in classifier order;
            each needs a folder with images. Defaults to every sub-folder
            with images, sorted by name.
    """
    if not osp.isdir(example_dir):
        raise FileNotFoundError(
            f'Example folder {example_dir!r} does not exist. Expected '
            '<dir>/<class name>/*.jpg|png with single-object images per '
            'class (see docs/usam.md).')

    def images_of(name: str) -> List[str]:
        folder = osp.join(example_dir, name)
        if not osp.isdir(folder):
            return []
        return sorted(
            f'{name}/{file}' for file in os.listdir(folder)
            if file.lower().endswith(EXAMPLE_EXTENSIONS)
            and not file.startswith('.'))

    if class_names is None:
        class_names = sorted(
            name for name in os.listdir(example_dir)
            if not name.startswith('.') and images_of(name))
    class_names = [str(n) for n in class_names]
    empty = [name for name in class_names if not images_of(name)]
    if empty or len(class_names) < 2:
        raise ValueError(
            f'U-SAM needs example images of at least 2 classes in '
            f'{example_dir}/<class name>/ ({", ".join(EXAMPLE_EXTENSIONS)});'
            f' found classes {class_names}, without images: {empty}.')
    if len(set(class_names)) != len(class_names):
        raise ValueError(f'Class names repeat: {class_names}.')
    files, labels = [], []
    for index, name in enumerate(class_names):
        found = images_of(name)
        files += found
        labels += [index] * len(found)
    return ExampleSet(example_dir, class_names, files, labels)


def read_rgb(path: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB (grey images are expanded to 3 channels)."""
    import cv2
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ValueError(f'cannot decode image {path}')
    return np.ascontiguousarray(image[..., ::-1])


class EmbeddingCache:
    """Mask embeddings of example images, computed once.

    Args:
        cache_dir (str): Where the ``.npy`` files and ``meta.json`` go.
        meta (dict): What the embeddings depend on (SAM model, embedder
            settings); a cache made with other values is refused.
    """

    def __init__(self, cache_dir: str, meta: Dict[str, Any]) -> None:
        self.cache_dir = cache_dir
        self.meta = json.loads(json.dumps(meta, sort_keys=True))

    def path(self, relative_file: str) -> str:
        return osp.join(self.cache_dir, relative_file + '.npy')

    def prepare(self, overwrite: bool = False) -> None:
        """Create the cache, or check that it was made the same way."""
        meta_path = osp.join(self.cache_dir, META_NAME)
        if overwrite and osp.isdir(self.cache_dir):
            shutil.rmtree(self.cache_dir)
        if osp.isfile(meta_path):
            with open(meta_path, encoding='utf-8') as file:
                old = json.load(file)
            if old != self.meta:
                raise ValueError(
                    f'The embedding cache {self.cache_dir} was made with '
                    f'other settings ({old} vs {self.meta}). Use another '
                    'work directory, or --overwrite to start over.')
        os.makedirs(self.cache_dir, exist_ok=True)
        for root, _, _ in os.walk(self.cache_dir):  # left by killed runs
            remove_stale_temp_files(root)
        text = json.dumps(self.meta, indent=2, sort_keys=True) + '\n'
        atomic_write_bytes(meta_path, text.encode())

    def extract(self,
                embedder: SamMaskEmbedder,
                examples: ExampleSet,
                progress: bool = True) -> Tuple[int, int, List[List[str]]]:
        """Embed every example not cached yet (resumable).

        Returns:
            tuple: Images embedded now, images already cached, and
            ``[file, reason]`` of unreadable images (left out).
        """
        done, skipped, failed = 0, 0, []
        bar = tqdm(examples.files, desc='embed examples', unit='img',
                   disable=not progress, file=sys.stderr,
                   dynamic_ncols=True)
        for relative in bar:
            target = self.path(relative)
            if osp.isfile(target):
                skipped += 1
                continue
            try:
                image = read_rgb(osp.join(examples.root, relative))
            except (OSError, ValueError) as error:
                failed.append([relative, str(error)])
                bar.write(f'skipped unreadable example {relative}: {error}',
                          file=sys.stderr)
                continue
            tokens = embedder.embed(image, return_masks=False).tokens
            os.makedirs(osp.dirname(target), exist_ok=True)
            buffer = io.BytesIO()
            np.save(buffer, tokens.numpy().astype(np.float16),
                    allow_pickle=False)
            atomic_write_bytes(target, buffer.getvalue())
            done += 1
        return done, skipped, failed

    def load(self, examples: ExampleSet) -> Tuple[Tensor, Tensor]:
        """``(N, d, D)`` float16 embeddings and ``(N, C)`` one-hot targets.

        Only the cached examples (unreadable ones are left out).
        """
        arrays, labels = [], []
        for relative, label in zip(examples.files, examples.labels):
            if osp.isfile(self.path(relative)):
                arrays.append(np.load(self.path(relative), allow_pickle=False))
                labels.append(label)
        if not arrays:
            raise ValueError(f'No cached example embeddings in '
                             f'{self.cache_dir}: were the images readable?')
        embeddings = torch.from_numpy(np.stack(arrays))
        targets = torch.zeros(len(labels), len(examples.class_names))
        targets[torch.arange(len(labels)), torch.tensor(labels)] = 1
        return embeddings, targets
