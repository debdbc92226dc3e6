import os.path as osp
from typing import List, Optional

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .split_files import read_split_file


@DATASETS.register_module()
class SplitFileSegDataset(BaseSegDataset):
    """Segmentation dataset listed by a split file.

    ``ann_file`` may be in either format (see
    :mod:`mmseg_zsl.datasets.split_files`):

    - UniMatch's ``JPEGImages/x.jpg SegmentationClass/x.png`` lines: both
      paths are resolved against ``data_root``; ``data_prefix`` and the
      suffixes are not used;
    - mmseg's basename lines (``x``): the image is
      ``data_prefix['img_path']/x{img_suffix}`` and the label
      ``data_prefix['seg_map_path']/x{seg_map_suffix}``, as in
      :class:`mmseg.datasets.BaseSegDataset`.

    With ``ann_file=''`` the image directory is scanned, as in mmseg.

    The same class serves labeled lists (the pipeline loads the label with
    ``LoadAnnotations``) and unlabeled lists (the pipeline simply does not
    load it, so the label file need not exist). For unlabeled lists,
    ``pseudo_label_dir`` adds each image's zero-shot pseudo-label path
    ``pseudo_label_dir/<stem>.png`` (stem = image basename without extension)
    as ``pseudo_label_path``, which the ``ZeroShotPseudoLabel`` transform
    loads; ``pseudo_label_dir=None`` sets ``pseudo_label_path=None`` (the
    transform then gives a dummy all-0 label, for baselines that do not use
    pseudo labels).

    Class names and palette come from ``metainfo`` (or a subclass's
    ``METAINFO``, e.g. :class:`PascalVOCSplitDataset`).

    Args:
        ann_file (str): Split file, relative to ``data_root`` unless
            absolute. Defaults to ''.
        pseudo_label_dir (str, optional): Directory of zero-shot pseudo
            labels, relative to ``data_root`` unless absolute. Defaults to
            None (no pseudo labels).
        pseudo_label_suffix (str): Suffix of pseudo-label files.
            Defaults to '.png'.
        **kwargs: Arguments of :class:`mmseg.datasets.BaseSegDataset`
            (``data_root``, ``data_prefix``, ``img_suffix``,
            ``seg_map_suffix``, ``metainfo``, ``pipeline``, ...).
    """

    def __init__(self,
                 ann_file: str = '',
                 pseudo_label_dir: Optional[str] = None,
                 pseudo_label_suffix: str = '.png',
                 **kwargs) -> None:
        self.pseudo_label_suffix = pseudo_label_suffix
        data_root = kwargs.get('data_root')
        if pseudo_label_dir is not None and data_root is not None:
            pseudo_label_dir = osp.join(data_root, pseudo_label_dir)
        self.pseudo_label_dir = pseudo_label_dir
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the image (and label) paths listed by ``ann_file``.

        Returns:
            list[dict]: One data info per sample with ``img_path``,
            ``seg_map_path``, ``pseudo_label_path``,
            ``pseudo_label_classes`` (the dataset's class names),
            ``label_map``, ``reduce_zero_label`` and ``seg_fields``.
        """
        if not self.ann_file:
            data_list = super().load_data_list()
        else:
            data_list = [
                self._entry_to_info(entry.img, entry.seg_map)
                for entry in read_split_file(self.ann_file)
            ]
        classes = tuple(self.metainfo['classes'])
        for info in data_list:
            info['pseudo_label_path'] = self._pseudo_label_path(
                info['img_path'])
            # ZeroShotPseudoLabel checks the labels against them
            info['pseudo_label_classes'] = classes
        return data_list

    def _entry_to_info(self, img: str, seg_map: Optional[str]) -> dict:
        """Data info of one split-file entry."""
        if seg_map is not None:
            # UniMatch format: paths relative to the dataset root.
            root = self.data_root or ''
            img_path = osp.join(root, img)
            seg_map_path = osp.join(root, seg_map)
        else:
            img_path = osp.join(self.data_prefix.get('img_path', ''),
                                img + self.img_suffix)
            seg_map_path = osp.join(
                self.data_prefix.get('seg_map_path', ''),
                img + self.seg_map_suffix)
        return dict(
            img_path=img_path,
            seg_map_path=seg_map_path,
            label_map=self.label_map,
            reduce_zero_label=self.reduce_zero_label,
            seg_fields=[])

    def _pseudo_label_path(self, img_path: str) -> Optional[str]:
        """``pseudo_label_dir/<stem><suffix>``, or None without a dir."""
        if self.pseudo_label_dir is None:
            return None
        stem = osp.splitext(osp.basename(img_path))[0]
        return osp.join(self.pseudo_label_dir,
                        stem + self.pseudo_label_suffix)
