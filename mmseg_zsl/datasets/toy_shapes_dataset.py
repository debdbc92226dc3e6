from typing import Tuple

from mmseg.registry import DATASETS

from .split_file_seg_dataset import SplitFileSegDataset

#: The toy world's classes, background first (label ids 0..5); the toy
#: world (mmseg_zsl.toy_world) draws its shapes from this list.
TOY_CLASSES: Tuple[str, ...] = ('background', 'circle', 'square', 'triangle',
                                'star', 'ring')
#: One RGB colour per class, for palette PNGs and visualisation only (the
#: colours of the rendered objects are random and unrelated to these).
TOY_PALETTE: Tuple[Tuple[int, int, int], ...] = ((0, 0, 0), (230, 25, 75),
                                                 (60, 180, 75), (255, 225, 25),
                                                 (0, 130, 200), (245, 130, 48))


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
        classes=TOY_CLASSES,
        palette=[list(colour) for colour in TOY_PALETTE])

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
