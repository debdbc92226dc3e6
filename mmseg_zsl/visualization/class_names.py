"""Class names (and palettes) for a report: from a text file or a config."""
import os
from typing import Any, Dict, List, Optional

# Dataloaders searched, in order, for a dataset whose class carries METAINFO.
_DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def load_class_names(path: str) -> List[str]:
    """Read class names, one per line; line ``i`` names class index ``i``.

    Args:
        path (str): Text file. Trailing blank lines are allowed, blank lines
            between names are not (they would shift every later index).

    Returns:
        list[str]: The class names.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'Class-name file {path!r} does not exist. Pass a text file with '
            'one class name per line (line 1 = class 0).')
    with open(path, encoding='utf-8') as f:
        names = [line.strip() for line in f.read().rstrip().splitlines()]
    if not names or names == ['']:
        raise ValueError(f'Class-name file {path!r} is empty.')
    if '' in names:
        raise ValueError(
            f'{path}:{names.index("") + 1} is blank; a blank line would shift '
            'the index of every later class. Remove it.')
    return names


def _metainfo_of(dataset_cfg: Any) -> Optional[Dict[str, Any]]:
    """Find classes/palette in a dataset config, looking inside wrappers."""
    from mmseg.registry import DATASETS

    if isinstance(dataset_cfg, (list, tuple)):
        for item in dataset_cfg:
            found = _metainfo_of(item)
            if found is not None:
                return found
        return None
    if not isinstance(dataset_cfg, dict):
        return None
    dataset_type = dataset_cfg.get('type')
    dataset_cls = (
        DATASETS.get(dataset_type)
        if isinstance(dataset_type, str) else dataset_type)
    class_meta = dict(getattr(dataset_cls, 'METAINFO', None) or {})
    if 'classes' in class_meta:
        override = dict(dataset_cfg.get('metainfo') or {})
        classes = list(override.get('classes', class_meta['classes']))
        palette = override.get('palette')
        if palette is None and class_meta.get('palette') is not None:
            # A class subset keeps each class's own colour, as mmseg does.
            colour_of = dict(zip(class_meta['classes'], class_meta['palette']))
            if all(name in colour_of for name in classes):
                palette = [colour_of[name] for name in classes]
        return dict(classes=classes, palette=palette)
    # Wrappers (ConcatDataset, RepeatDataset, semi-supervised datasets) keep
    # the real dataset under some key: search their values.
    for key, value in dataset_cfg.items():
        if key != 'type':
            found = _metainfo_of(value)
            if found is not None:
                return found
    return None


def metainfo_from_config(config: str) -> Dict[str, Any]:
    """Read class names and palette from an mmseg dataset config.

    The dataset is not built (no data is needed): the class named by the
    first dataloader's ``dataset.type`` is looked up in mmseg's ``DATASETS``
    registry and its ``METAINFO`` is read; a ``metainfo`` given in the config
    overrides it, as it would when the dataset is built.

    Args:
        config (str): Path of a config with a ``train_dataloader``,
            ``val_dataloader`` or ``test_dataloader``.

    Returns:
        dict: ``classes`` (list[str]) and ``palette`` (list of RGB or None).
    """
    from mmengine.config import Config

    if not os.path.isfile(config):
        raise FileNotFoundError(f'Config {config!r} does not exist.')
    # Config.fromfile also runs the config's custom_imports, which registers
    # plugin datasets.
    cfg = Config.fromfile(config)
    for key in _DATALOADER_KEYS:
        loader = cfg.get(key)
        if isinstance(loader, dict):
            found = _metainfo_of(loader.get('dataset'))
            if found is not None:
                return found
    raise ValueError(
        f'No dataset with class names found in {config!r}: expected '
        f'{" / ".join(_DATALOADER_KEYS)}.dataset.type to name a registered '
        'mmseg dataset with METAINFO["classes"]. Pass --classes FILE instead.')
