"""Per-image annotation cache: masks (COCO RLE) and per-mask data.

One file per image, ``<cache_dir>/<stem>.npz``: a plain NumPy ``.npz``
(readable with ``np.load``; no pickle) holding

- ``image_size``: ``(2,)`` int64, ``(H, W)``;
- ``rle_counts`` / ``rle_lengths``: the COCO compressed RLE strings of the
  K masks, concatenated (uint8) and their lengths (int64);
- ``embeddings``: ``(K, D)`` float16 segment embeddings (zero-shot);
- ``field_<name>``: any other per-mask array (``predicted_iou``,
  ``stability_score``, labels or class scores of other annotators).

Files are written atomically and byte-deterministically (fixed zip
timestamps), so equal content gives equal files.
"""
import io
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmseg_zsl.utils.files import atomic_write_bytes

CACHE_SUFFIX = '.npz'
#: Bumped whenever the layout above changes.
CACHE_FORMAT_VERSION = 1
_FIELD_PREFIX = 'field_'
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass
class ImageRecord:
    """What an annotator found in one image (see the module docstring).

    Attributes:
        image_size (tuple[int, int]): ``(H, W)``.
        rles (list[bytes]): COCO compressed RLE counts of the K masks.
        embeddings (np.ndarray, optional): ``(K, D)`` float16.
        fields (dict[str, np.ndarray]): Other per-mask arrays ``(K, ...)``.
    """
    image_size: Tuple[int, int]
    rles: List[bytes]
    embeddings: Optional[np.ndarray] = None
    fields: Dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def num_masks(self) -> int:
        return len(self.rles)

    def coco_rles(self) -> List[dict]:
        height, width = self.image_size
        return [{'size': [height, width], 'counts': c} for c in self.rles]

    def decode_masks(self) -> np.ndarray:
        """``(K, H, W)`` boolean masks (one batched pycocotools call)."""
        from pycocotools import mask as mask_utils
        if not self.rles:
            return np.zeros((0, *self.image_size), dtype=bool)
        decoded = mask_utils.decode(self.coco_rles())  # (H, W, K) Fortran
        # 0/1 uint8 viewed as bool: no second copy.
        return np.ascontiguousarray(decoded.transpose(2, 0, 1)).view(bool)

    def areas(self) -> np.ndarray:
        from pycocotools import mask as mask_utils
        if not self.rles:
            return np.zeros(0, dtype=np.int64)
        return mask_utils.area(self.coco_rles()).astype(np.int64)

    @staticmethod
    def encode_masks(masks: np.ndarray) -> List[bytes]:
        """COCO RLE counts of ``(K, H, W)`` boolean masks."""
        from pycocotools import mask as mask_utils
        if len(masks) == 0:
            return []
        encoded = mask_utils.encode(
            np.asfortranarray(np.asarray(masks, dtype=np.uint8).transpose(
                1, 2, 0)))
        return [rle['counts'] for rle in encoded]

    def to_bytes(self) -> bytes:
        lengths = np.array([len(c) for c in self.rles], dtype=np.int64)
        arrays = {
            'format_version': np.array(CACHE_FORMAT_VERSION, dtype=np.int64),
            'image_size': np.array(self.image_size, dtype=np.int64),
            'rle_counts': np.frombuffer(b''.join(self.rles), dtype=np.uint8),
            'rle_lengths': lengths,
        }
        if self.embeddings is not None:
            arrays['embeddings'] = np.asarray(
                self.embeddings, dtype=np.float16)
        for name, value in sorted(self.fields.items()):
            arrays[_FIELD_PREFIX + name] = np.asarray(value)
        for name, value in arrays.items():
            if value.ndim and name not in ('image_size', 'rle_counts') \
                    and len(value) != len(self.rles):
                raise ValueError(f'Cache array {name!r} has {len(value)} '
                                 f'rows for {len(self.rles)} masks.')
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_STORED) as archive:
            for name, value in arrays.items():
                payload = io.BytesIO()
                np.lib.format.write_array(payload, value, allow_pickle=False)
                archive.writestr(
                    zipfile.ZipInfo(name + '.npy', date_time=_ZIP_DATE),
                    payload.getvalue())
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: str) -> 'ImageRecord':
        """Read a cache file (:func:`read_cache_arrays` says what fails)."""
        data = read_cache_arrays(path)
        counts = data['rle_counts'].tobytes()
        ends = np.cumsum(data['rle_lengths'])
        starts = ends - data['rle_lengths']
        rles = [counts[s:e] for s, e in zip(starts, ends)]
        fields = {
            name[len(_FIELD_PREFIX):]: value
            for name, value in data.items() if name.startswith(_FIELD_PREFIX)
        }
        return cls(cached_image_size(path, data), rles,
                   data.get('embeddings'), fields)

    def save(self, path: str) -> None:
        atomic_write_bytes(path, self.to_bytes())


def read_cache_arrays(
        path: str,
        names: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """The arrays of a cache file (all, or only ``names``).

    Raises:
        ValueError: Naming the file: it is damaged (truncated, empty, not a
            zip, an array missing; with the error's type) or of another
            format version.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            version = int(data['format_version'])
            arrays = {
                name: data[name]
                for name in (data.files if names is None else names)
            }
    except Exception as error:  # truncated, empty, not a zip, no key...
        raise ValueError(
            f'unreadable cache {path} ({type(error).__name__})') from error
    if version != CACHE_FORMAT_VERSION:
        raise ValueError(
            f'{path} has cache format {version}; this version of mmseg_zsl '
            f'reads format {CACHE_FORMAT_VERSION}. Annotate again with '
            '--overwrite.')
    return arrays


def cached_image_size(
        path: str,
        arrays: Optional[Dict[str, np.ndarray]] = None) -> Tuple[int, int]:
    """``(H, W)`` of a cached image, reading only that array unless the
    file's ``arrays`` are given; raises ``ValueError`` as
    :func:`read_cache_arrays`."""
    if arrays is None:
        arrays = read_cache_arrays(path, ['image_size'])
    size = tuple(int(v) for v in arrays['image_size'])
    if len(size) != 2:
        raise ValueError(f'cache {path} has no image size')
    return size
