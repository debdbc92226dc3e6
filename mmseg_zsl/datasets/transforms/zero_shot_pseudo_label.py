import os.path as osp
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmseg_zsl.utils import values_outside_classes


@TRANSFORMS.register_module()
class ZeroShotPseudoLabel(BaseTransform):
    """Load an image's cached zero-shot pseudo label as a segmentation field.

    The label is ``pseudo_label_dir/<stem><suffix>`` with ``stem`` the image
    basename without extension (the file ``tools/annotate.py`` writes under
    ``<out_dir>/labels/``): a single-channel PNG of class indices (a palette
    PNG is fine), 255 = ignore, the same size as the image. It is stored in
    ``results[seg_key]`` and appended to ``results['seg_fields']``, so every
    geometric transform that follows (mmseg's ``RandomResize``, ``Resize``,
    ``RandomCrop``, ``RandomFlip``, and this package's
    ``RandomRescaleLongSide`` and ``PadToCropSize``) applies exactly the
    same geometry to it as to the image. Place it right after
    ``LoadImageFromFile``.

    With the default ``seg_key='gt_seg_map'`` the pseudo label *is* the
    unlabeled sample's label: ``PackSemiSegInputs`` packs it as
    ``gt_sem_seg``. Another key (e.g. ``'gt_zs_seg_map'``) keeps it as an
    extra field next to a ground truth loaded by ``LoadAnnotations``.

    Where the file comes from:

    - ``pseudo_label_dir`` given: ``pseudo_label_dir/<stem><suffix>``;
    - otherwise ``results['pseudo_label_path']``, which
      ``SplitFileSegDataset(pseudo_label_dir=...)`` sets per image. When the
      dataset has no pseudo-label directory that path is None and a dummy
      label filled with ``dummy_value`` is used instead (for the
      ``unimatch``/``supervised`` baselines, whose model never reads it);
      the packed metainfo ``pseudo_label_path`` is then None, so a model
      can check that real pseudo labels were loaded.

    Required Keys:

    - img
    - img_path
    - seg_fields
    - pseudo_label_path (optional; used when ``pseudo_label_dir`` is None)
    - pseudo_label_classes (optional; the dataset's class names, which
      ``SplitFileSegDataset`` sets: label values outside them and 255 are
      an error naming the file)

    Modified Keys:

    - seg_fields

    Added Keys:

    - ``seg_key`` (np.uint8, (H, W); default ``gt_seg_map``)
    - pseudo_label_path (str or None)

    Args:
        pseudo_label_dir (str, optional): Directory of ``<stem><suffix>``
            files. Defaults to None (take ``results['pseudo_label_path']``).
        seg_key (str): Results key that receives the label.
            Defaults to 'gt_seg_map'.
        suffix (str): File suffix. Defaults to '.png'.
        dummy_value (int): Value of the dummy label used when the dataset
            gives no pseudo-label path. Defaults to 0.
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`; pillow
            reads palette PNGs as indices. Defaults to 'pillow'.
        backend_args (dict, optional): File backend arguments.
            Defaults to None.
    """

    def __init__(self,
                 pseudo_label_dir: Optional[str] = None,
                 seg_key: str = 'gt_seg_map',
                 suffix: str = '.png',
                 dummy_value: int = 0,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        super().__init__()
        self.pseudo_label_dir = pseudo_label_dir
        self.seg_key = seg_key
        self.suffix = suffix
        self.dummy_value = dummy_value
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args.copy() if backend_args else None

    def _label_path(self, results: dict) -> Optional[str]:
        """Path of this image's pseudo label, or None for a dummy label."""
        if self.pseudo_label_dir is not None:
            stem = osp.splitext(osp.basename(results['img_path']))[0]
            return osp.join(self.pseudo_label_dir, stem + self.suffix)
        if 'pseudo_label_path' not in results:
            raise ValueError(
                'ZeroShotPseudoLabel has no pseudo_label_dir and the sample '
                f'of {results.get("img_path")!r} has no "pseudo_label_path". '
                'Set ZeroShotPseudoLabel(pseudo_label_dir=...) or the '
                "dataset's pseudo_label_dir (SplitFileSegDataset and its "
                'subclasses; None there means a dummy label).')
        return results['pseudo_label_path']

    def _load(self, path: str, results: dict) -> np.ndarray:
        """Read and check one pseudo-label file."""
        try:
            label_bytes = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError:
            directory, name = osp.split(path)
            raise FileNotFoundError(
                f'zero-shot pseudo label {name!r} of image '
                f'{results.get("img_path")!r} not found in {directory!r}. '
                'Run tools/annotate.py on the unlabeled images (it writes '
                '<out_dir>/labels/<stem>.png) and point pseudo_label_dir at '
                'that labels/ directory.') from None
        label = mmcv.imfrombytes(
            label_bytes, flag='unchanged',
            backend=self.imdecode_backend).squeeze()
        if label.ndim != 2:
            raise ValueError(
                f'pseudo label {path!r} must be a single-channel PNG of class '
                f'indices (H, W), got an array of shape {label.shape}. '
                'Write it as mode L or P (tools/annotate.py does).')
        img_hw = results['img'].shape[:2]
        if label.shape != img_hw:
            raise ValueError(
                f'pseudo label {path!r} is {label.shape[0]}x{label.shape[1]} '
                f'(HxW) but image {results.get("img_path")!r} is '
                f'{img_hw[0]}x{img_hw[1]} at this point of the pipeline. '
                'Regenerate the label for this image, and place '
                'ZeroShotPseudoLabel right after LoadImageFromFile, before '
                'any geometric transform.')
        label = label.astype(np.uint8)
        classes = results.get('pseudo_label_classes')
        bad = [] if classes is None else values_outside_classes(
            label, len(classes))
        if bad:
            raise ValueError(
                f'pseudo label {path!r} has values {bad}, outside the '
                f'{len(classes)} classes of the dataset (0..'
                f'{len(classes) - 1}: {", ".join(classes)}; 255 = ignore): '
                'it was made with another class list. Annotate again with '
                '--classes giving the training dataset\'s classes in the '
                'same order.')
        return label

    def transform(self, results: dict) -> dict:
        """Add the pseudo label to ``results``.

        Args:
            results (dict): Result dict with the loaded image.

        Returns:
            dict: ``results`` with ``seg_key`` added to ``seg_fields``.
        """
        path = self._label_path(results)
        if path is None:
            label = np.full(
                results['img'].shape[:2], self.dummy_value, dtype=np.uint8)
        else:
            label = self._load(path, results)
        results[self.seg_key] = label
        results['pseudo_label_path'] = path
        seg_fields = results.setdefault('seg_fields', [])
        if self.seg_key not in seg_fields:
            seg_fields.append(self.seg_key)
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(pseudo_label_dir={self.pseudo_label_dir!r}, '
        repr_str += f'seg_key={self.seg_key!r}, '
        repr_str += f'suffix={self.suffix!r}, '
        repr_str += f'dummy_value={self.dummy_value}, '
        repr_str += f'imdecode_backend={self.imdecode_backend!r}, '
        repr_str += f'backend_args={self.backend_args})'
        return repr_str
