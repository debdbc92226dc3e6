"""The run manifest ``<out_dir>/manifest.json``: how the labels were made.

Keys that define the cache (annotator, models, their settings, cache
format) must match when a run resumes into an existing directory; the
``labels`` entry (classes, prompts, threshold, unassigned label) changes
only through a relabel run, which keeps the previous ones in ``history``.
The file itself is read and written by
:mod:`mmseg_zsl.annotation.output_dir`.
"""
import importlib.metadata
import json
import platform
from typing import Any, Dict, List, Optional

from mmseg_zsl.annotation.cache import CACHE_FORMAT_VERSION
from mmseg_zsl.annotation.output_dir import MANIFEST_NAME

#: Manifest keys that define the cached masks and embeddings.
CACHE_KEYS = ('annotator', 'cache_format', 'random_init', 'models',
              'annotator_settings')
_PACKAGES = ('mmseg_zsl', 'torch', 'torchvision', 'segment_anything',
             'open_clip_torch', 'mmsegmentation', 'mmcv', 'mmengine',
             'numpy', 'pycocotools', 'opencv-python')


def package_versions() -> Dict[str, Optional[str]]:
    """Versions of the packages that shape the labels."""
    versions: Dict[str, Optional[str]] = {'python': platform.python_version()}
    for name in _PACKAGES:
        versions[name] = None
        for spelling in (name, name.replace('_', '-')):
            try:
                versions[name] = importlib.metadata.version(spelling)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return versions


def build_manifest(annotator: str, models: Dict[str, Any],
                   annotator_settings: Dict[str, Any], labels: Dict[str, Any],
                   random_init: Optional[str],
                   source: Dict[str, Any]) -> Dict:
    """The manifest of a run (JSON-ready)."""
    return {
        'annotator': annotator,
        'cache_format': CACHE_FORMAT_VERSION,
        'random_init': random_init,
        'untrained_models': random_init is not None,
        'models': models,
        'annotator_settings': annotator_settings,
        'labels': labels,
        'input': source,
        'versions': package_versions(),
        'history': [],
    }


def normalise_json(value: Any) -> Any:
    """JSON round trip, so tuples and lists compare equal."""
    return json.loads(json.dumps(value, sort_keys=True))


def _differences(old: Any, new: Any, path: str) -> List[str]:
    """Dotted paths where two JSON values differ, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            line for key in sorted(set(old) | set(new), key=str)
            for line in _differences(
                old.get(key, _ABSENT), new.get(key, _ABSENT),
                f'{path}.{key}')
        ]
    if old == new:
        return []
    return [f'{path}: {_shown(old)} there, {_shown(new)} now']


_ABSENT = object()


def _shown(value: Any) -> str:
    return 'absent' if value is _ABSENT else json.dumps(value)


def cache_differences(old: Dict, new: Dict) -> List[str]:
    """The cache-defining settings that differ between two manifests, as
    ``'models.sam.checkpoint: "a.pth" there, "b.pth" now'``."""
    return [
        line for key in CACHE_KEYS
        for line in _differences(
            normalise_json(old.get(key)), normalise_json(new.get(key)), key)
    ]


def check_resume(old: Optional[Dict], new: Dict, out_dir: str) -> None:
    """Raise if ``out_dir`` was annotated with other settings."""
    if old is None:
        return
    changed = cache_differences(old, new)
    if changed:
        raise ValueError(
            f'{out_dir} was annotated with other settings ('
            + '; '.join(changed) + f'; see its {MANIFEST_NAME}). Resuming '
            'would mix labels of two settings: use another output '
            'directory, or --overwrite to annotate the listed images again.')
    if normalise_json(old.get('labels')) != normalise_json(new.get('labels')):
        raise ValueError(
            f'{out_dir} was labelled with other classes, prompts, threshold '
            f'or unassigned label (see its {MANIFEST_NAME}). Use --relabel '
            'to rewrite every label from the cache with the new settings '
            '(no SAM needed), or --overwrite.')


def with_relabel_history(manifest: Dict, labels: Dict[str, Any]) -> Dict:
    """``manifest`` with new ``labels``; the replaced ones go to
    ``history`` (unchanged labels leave it as it is)."""
    new = dict(manifest)
    if normalise_json(new.get('labels')) != normalise_json(labels):
        new['history'] = list(new.get('history', [])) + [new['labels']]
        new['labels'] = labels
    return new
