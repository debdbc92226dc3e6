from mmseg.registry import DATASETS

from ..toy_world.shapes import CLASSES, PALETTE
from .split_file_seg_dataset import SplitFileSegDataset


@DATASETS.register_module()
class ToyShapesDataset(SplitFileSegDataset):
    """The synthetic toy world of ``tools/make_toy_world.py``.

    Six classes: background (0) and five shapes (circle, square, triangle,
    star, ring). Images are ``images/<id>.png`` and labels
    ``masks/<id>.png`` under ``data_root``; background is a real class, so
    ``reduce_zero_label`` is False. ``ann_file`` may be one of the world's
    UniMatch-format split files (``splits/<n>/labeled.txt``) or a file of
    ids; ``pseudo_label_dir`` works as in :class:`SplitFileSegDataset`.

    Args:
        img_suffix (str): Suffix of images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of label maps. Defaults to '.png'.
        data_prefix (dict): Folders of images and labels under
            ``data_root``. Defaults to
            ``dict(img_path='images', seg_map_path='masks')``.
        **kwargs: Other arguments of :class:`SplitFileSegDataset`.
    """
    METAINFO = dict(
        classes=CLASSES, palette=[list(colour) for colour in PALETTE])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 data_prefix: dict = dict(
                     img_path='images', seg_map_path='masks'),
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=False,
            data_prefix=data_prefix,
            **kwargs)
