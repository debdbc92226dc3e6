"""mmseg_zsl's JSON format for boxes, points and scribbles.

One entry per image::

    {
      "height": 375, "width": 500,
      "boxes":     [{"class": "dog", "box": [x0, y0, x1, y1]}, ...],
      "points":    [{"class": "dog", "xy": [[x, y], ...]}, ...],
      "scribbles": [{"class": "dog", "xy": [[x, y], ...]}, ...]
    }

- every key is optional; ``height``/``width``, if given, must match the
  image;
- ``class`` is a class name of the run's class list (or its integer label
  id);
- ``box`` is ``[x0, y0, x1, y1]`` in pixel-edge coordinates (a box covering
  columns 3..7 has ``x0 = 3, x1 = 8``);
- ``xy`` lists ``[x, y]`` pixel coordinates (x = column, y = row): the
  clicks of one object (usually one) or every pixel of one scribble;
  one point may be written ``"xy": [x, y]``;
- points and scribbles of a class listed in the background names (e.g.
  ``background``) are used only as negative prompts.

Entries live either in a folder of ``<image stem>.json`` files or in one
file ``{"images": {"<image stem>": entry, ...}}``.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional

from mmseg_zsl.utils.files import atomic_write_bytes
from .base import ClassIndex, ImagePrompts, PromptGroup, PromptSource, as_xy

#: Keys of an entry.
ENTRY_KEYS = ('height', 'width', 'boxes', 'points', 'scribbles')


def _groups(items: Any, kind: str, class_index: ClassIndex,
            where: str) -> List[PromptGroup]:
    if not isinstance(items, list):
        raise ValueError(f'{where}: {kind!r} must be a list of '
                         '{"class": ..., "xy": [[x, y], ...]} objects.')
    groups = []
    for index, item in enumerate(items):
        here = f'{where} {kind}[{index}]'
        if not isinstance(item, dict) or 'class' not in item \
                or 'xy' not in item:
            raise ValueError(f'{here}: expected {{"class": ..., "xy": '
                             f'[[x, y], ...]}}, got {item!r}.')
        groups.append(
            PromptGroup(
                class_index.id_of(item['class'], here), as_xy(item['xy'],
                                                              here)))
    return groups


def parse_prompt_entry(entry: Mapping[str, Any], class_index: ClassIndex,
                       where: str) -> ImagePrompts:
    """:class:`ImagePrompts` of one entry (format in the module docstring)."""
    if not isinstance(entry, Mapping):
        raise ValueError(f'{where}: an entry must be a JSON object, got '
                         f'{type(entry).__name__}.')
    unknown = sorted(set(entry) - set(ENTRY_KEYS))
    if unknown:
        raise ValueError(f'{where}: unknown keys {unknown}; an entry has '
                         f'{list(ENTRY_KEYS)}.')
    boxes, class_ids = [], []
    raw_boxes = entry.get('boxes', [])
    if not isinstance(raw_boxes, list):
        raise ValueError(f'{where}: "boxes" must be a list.')
    for index, item in enumerate(raw_boxes):
        here = f'{where} boxes[{index}]'
        box = item.get('box') if isinstance(item, dict) else None
        if not isinstance(box, list) or len(box) != 4 or 'class' not in item:
            raise ValueError(f'{here}: expected {{"class": ..., "box": [x0, '
                             f'y0, x1, y1]}}, got {item!r}.')
        try:
            boxes.append([float(v) for v in box])
        except (TypeError, ValueError) as error:
            raise ValueError(f'{here}: box values must be numbers, got '
                             f'{box!r}.') from error
        class_ids.append(class_index.id_of(item['class'], here))
    image_size = None
    if 'height' in entry or 'width' in entry:
        if 'height' not in entry or 'width' not in entry:
            raise ValueError(f'{where}: give both "height" and "width".')
        image_size = (int(entry['height']), int(entry['width']))
    return ImagePrompts(
        boxes=boxes,
        box_class_ids=class_ids,
        points=_groups(entry.get('points', []), 'points', class_index, where),
        scribbles=_groups(
            entry.get('scribbles', []), 'scribbles', class_index, where),
        image_size=image_size)


class PromptJSONSource(PromptSource):
    """Prompts in mmseg_zsl's JSON format (see the module docstring).

    Args:
        path (str): A folder of ``<stem>.json`` files, or one JSON file
            ``{"images": {stem: entry}}``.
        class_index (ClassIndex): Names -> label ids.
    """
    format = 'prompt-json'
    kinds = ('boxes', 'points', 'scribbles')

    def __init__(self, path: str, class_index: ClassIndex) -> None:
        super().__init__(path, class_index)
        self._entries: Optional[Dict[str, Any]] = None
        if osp.isdir(path):
            return
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'Prompt file {path!r} does not exist; expected a folder of '
                '<image stem>.json files or one JSON file {"images": '
                '{"<stem>": {...}}} (docs/prompted.md).')
        with open(path, encoding='utf-8') as file:
            data = json.load(file)
        if not isinstance(data, dict) or not isinstance(
                data.get('images'), dict):
            raise ValueError(
                f'{path}: expected {{"images": {{"<image stem>": entry}}}} '
                '(or pass a folder of per-image <stem>.json files).')
        self._entries = data['images']

    def has(self, stem: str) -> bool:
        if self._entries is not None:
            return stem in self._entries
        return osp.isfile(osp.join(self.path, stem + '.json'))

    def load(self, stem: str) -> ImagePrompts:
        if not self.has(stem):
            raise self.missing(stem)
        if self._entries is not None:
            return parse_prompt_entry(self._entries[stem], self.class_index,
                                      f'{self.path} [{stem!r}]')
        file_path = osp.join(self.path, stem + '.json')
        with open(file_path, encoding='utf-8') as file:
            try:
                entry = json.load(file)
            except json.JSONDecodeError as error:
                raise ValueError(f'{file_path}: not valid JSON '
                                 f'({error}).') from error
        return parse_prompt_entry(entry, self.class_index, file_path)


def dump_entry(entry: Mapping[str, Any]) -> str:
    """JSON text of an entry: a line per box/point group, compact inside."""
    lines = []
    for key, value in entry.items():
        if isinstance(value, list):
            inner = ',\n'.join(
                '    ' + json.dumps(v, separators=(',', ':')) for v in value)
            lines.append(f'  {json.dumps(key)}: [\n{inner}\n  ]'
                         if value else f'  {json.dumps(key)}: []')
        else:
            lines.append(f'  {json.dumps(key)}: {json.dumps(value)}')
    return '{\n' + ',\n'.join(lines) + '\n}\n'


def write_prompt_entries(out: str, entries: Mapping[str, Mapping]) -> None:
    """Write entries as a folder of ``<stem>.json`` or, for a path ending in
    ``.json``, as one file ``{"images": {...}}``; atomically."""
    if out.endswith('.json'):
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        text = json.dumps(
            {'images': {k: entries[k]
                        for k in sorted(entries)}},
            separators=(',', ':')) + '\n'
        atomic_write_bytes(out, text.encode('utf-8'))
        return
    os.makedirs(out, exist_ok=True)
    for stem, entry in entries.items():
        atomic_write_bytes(
            osp.join(out, stem + '.json'), dump_entry(entry).encode('utf-8'))
