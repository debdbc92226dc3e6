"""Where class names come from: a file, a registered dataset, a config."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

from mmseg_zsl.annotation.zero_shot.text import (default_display_name,
                                                 read_class_file)


def dataset_class_names(dataset_type: str) -> Optional[List[str]]:
    """``METAINFO['classes']`` of a dataset type registered in mmseg."""
    import mmseg.datasets  # noqa: F401  (registers mmseg's datasets)
    from mmseg.registry import DATASETS
    dataset_cls = DATASETS.get(dataset_type)
    metainfo = getattr(dataset_cls, 'METAINFO', None) or {}
    classes = metainfo.get('classes')
    return list(classes) if classes else None


def resolve_class_names(
    classes: Union[None, str, Sequence[str]],
    metainfo_classes: Optional[Sequence[str]] = None
) -> Tuple[List[str], List[str]]:
    """Class names and display names, label id = position.

    Args:
        classes (None | str | Sequence[str]): None: take
            ``metainfo_classes`` (from a dataset config); a path: a class file
            (one name per line, optionally ``name: display name``); another
            string: a dataset type registered in mmseg (e.g.
            'PascalVOCDataset'); a sequence: the names themselves.
        metainfo_classes (Sequence[str], optional): The input dataset's.

    Returns:
        tuple[list[str], list[str]]: Names and display names.
    """
    if classes is None:
        if not metainfo_classes:
            raise ValueError(
                'No class names: a split file or folder input needs '
                '--classes (a class file, one name per line, or a dataset '
                "type registered in mmseg such as 'PascalVOCDataset').")
        names = [str(n) for n in metainfo_classes]
        return names, [default_display_name(n) for n in names]
    if not isinstance(classes, str):
        names = [str(n) for n in classes]
        return names, [default_display_name(n) for n in names]
    if osp.isfile(classes):
        return read_class_file(classes)
    if osp.splitext(classes)[1] or osp.sep in classes:
        raise FileNotFoundError(
            f'Class file {classes!r} does not exist. Expected a text file '
            "with one class name per line, optionally 'name: display name'.")
    names = None
    try:
        names = dataset_class_names(classes)
    except KeyError:
        names = None
    if not names:
        raise ValueError(
            f'--classes {classes!r} is neither a class file nor a dataset '
            "type registered in mmseg with class names (e.g. "
            "'PascalVOCDataset', 'ADE20KDataset'; mmseg_zsl's datasets "
            'work once mmseg_zsl is imported).')
    return names, [default_display_name(n) for n in names]
