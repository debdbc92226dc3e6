"""Read, write and draw semi-supervised split files.

Two line formats are understood (one sample per line, blank lines skipped):

- UniMatch format, two columns relative to the dataset root:
  ``JPEGImages/2007_000033.jpg SegmentationClass/2007_000033.png`` (PASCAL)
  or ``train2017/000000177254.jpg masks/000000177254.png`` (COCO);
- mmseg ann-file format, one column: the image's basename without extension
  (``2007_000033``), joined with the dataset's ``data_prefix`` and suffixes.

UniMatch's files have no trailing newline; both forms are accepted.
Files written here always use the two-column UniMatch format.
"""
import os
import os.path as osp
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from mmseg_zsl.utils.files import atomic_write_text

#: Line templates of UniMatch's split files, per dataset family.
SPLIT_TEMPLATES = dict(
    pascal=('JPEGImages/{}.jpg', 'SegmentationClass/{}.png'),
    coco=('train2017/{}.jpg', 'masks/{}.png'),
)


class SplitEntry(NamedTuple):
    """One line of a split file.

    Attributes:
        img (str): Image path (two-column form, relative to the data root)
            or basename without extension (one-column form).
        seg_map (str, optional): Label path relative to the data root, or
            None for the one-column form.
    """
    img: str
    seg_map: Optional[str]

    @property
    def stem(self) -> str:
        """Image id: basename of the image without its extension."""
        return osp.splitext(osp.basename(self.img))[0]


def parse_split_lines(lines: Iterable[str],
                      source: str = '<lines>') -> List[SplitEntry]:
    """Parse split-file lines into :class:`SplitEntry` items.

    Args:
        lines (Iterable[str]): The lines.
        source (str): Name of the file, for error messages.
            Defaults to '<lines>'.

    Returns:
        list[SplitEntry]: One entry per non-blank line, in file order.
    """
    entries = []
    for lineno, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) == 1:
            entries.append(SplitEntry(fields[0], None))
        elif len(fields) == 2:
            entries.append(SplitEntry(fields[0], fields[1]))
        else:
            raise ValueError(
                f'{source}:{lineno}: expected "<image> <label>" (UniMatch '
                'format) or a single image basename (mmseg ann file), got '
                f'{len(fields)} fields: {line.strip()!r}')
    return entries


def read_split_file(path: str) -> List[SplitEntry]:
    """Read a split file (UniMatch two-column or mmseg one-column format).

    Args:
        path (str): The split file.

    Returns:
        list[SplitEntry]: The entries in file order.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'split file {path!r} does not exist. Copy UniMatch\'s split '
            'files (splits/<dataset>/<split>/{labeled,unlabeled}.txt) into '
            'place or draw your own with tools/make_splits.py (see '
            'docs/data_preparation.md).')
    with open(path, encoding='utf-8') as f:
        return parse_split_lines(f, source=path)


def read_ids(path: str) -> List[str]:
    """Read image ids (stems) from a split file or a plain list of ids.

    Args:
        path (str): A split file in either format.

    Returns:
        list[str]: The image stems in file order.
    """
    return [entry.stem for entry in read_split_file(path)]


def format_split_lines(ids: Sequence[str], img_template: str,
                       seg_template: str) -> List[str]:
    """Render ids as UniMatch-format lines.

    Args:
        ids (Sequence[str]): Image ids (stems).
        img_template (str): Image path template with one ``{}``, e.g.
            ``'JPEGImages/{}.jpg'``.
        seg_template (str): Label path template with one ``{}``.

    Returns:
        list[str]: ``'<image> <label>'`` lines, without newlines.
    """
    return [
        f'{img_template.format(i)} {seg_template.format(i)}' for i in ids
    ]


def write_lines_atomic(path: str, lines: Sequence[str]) -> None:
    """Write lines (newline-terminated) to ``path`` atomically.

    Args:
        path (str): Destination file; its directory is created.
        lines (Sequence[str]): Lines without newlines.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_write_text(path, ''.join(line + '\n' for line in lines))


def draw_split(train_ids: Sequence[str],
               num_labeled: int,
               seed: int,
               labeled_pool: Optional[Sequence[str]] = None
               ) -> Tuple[List[str], List[str]]:
    """Draw a labeled/unlabeled split deterministically.

    The labeled ids are a uniform sample without replacement of
    ``num_labeled`` ids from ``labeled_pool`` (default: all of
    ``train_ids``); the unlabeled ids are the rest of ``train_ids``. The
    result depends only on the sets of ids and the seed, not on their order
    (ids are sorted first), and uses numpy's ``RandomState``, whose stream is
    frozen across numpy versions.

    Args:
        train_ids (Sequence[str]): Every training image id (e.g. the 10,582
            PASCAL train_aug ids, or the 118,287 COCO train2017 ids).
        num_labeled (int): Number of labeled images.
        seed (int): Random seed.
        labeled_pool (Sequence[str], optional): Ids the labeled images are
            drawn from (e.g. the 1,464 PASCAL fine-annotated train ids); must
            be a subset of ``train_ids``. Defaults to None (all train ids).

    Returns:
        tuple[list[str], list[str]]: Sorted labeled ids and sorted unlabeled
        ids.
    """
    train = sorted(set(train_ids))
    pool = train if labeled_pool is None else sorted(set(labeled_pool))
    outside = set(pool) - set(train)
    if outside:
        raise ValueError(
            f'{len(outside)} ids of the labeled pool are not in the training '
            f'list (e.g. {sorted(outside)[:3]}); the pool must be a subset '
            'of the training ids.')
    if not 0 < num_labeled <= len(pool):
        raise ValueError(f'num_labeled must be in [1, {len(pool)}] (the size '
                         f'of the labeled pool), got {num_labeled}.')
    order = np.random.RandomState(seed).permutation(len(pool))
    labeled = sorted(pool[i] for i in order[:num_labeled])
    labeled_set = set(labeled)
    unlabeled = [i for i in train if i not in labeled_set]
    return labeled, unlabeled
