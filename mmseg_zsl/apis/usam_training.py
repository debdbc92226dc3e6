"""Training U-SAM's classifier (``tools/train_usam.py``).

Example images per class -> cached mask embeddings -> teacher -> student
(``<work_dir>/student.pth``), which ``tools/annotate.py --prompts usam``
(:class:`~mmseg_zsl.apis.modes.USamMode`) labels SAM's grid masks with.
Options left as None are not passed on: the defaults live in the classes
(:class:`~mmseg_zsl.annotation.usam.SamMaskEmbedder`,
:class:`~mmseg_zsl.annotation.usam.USamTrainConfig`).
"""
import json
import os
import os.path as osp
import time
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from mmseg_zsl.annotation.sam import build_run_sam
from mmseg_zsl.utils.files import atomic_write_text
from mmseg_zsl.utils.options import drop_none
from .dist import DistInfo
from .modes.usam import build_embedder, sam_identity

#: Sub-directory of a training work_dir holding the example embeddings.
EMBEDDING_CACHE_DIR = 'embeddings'
TRAIN_SUMMARY_NAME = 'train_summary.json'


def read_class_names(classes: Union[None, str, Sequence[str]]):
    """Classifier classes: None, a class file, or names."""
    from mmseg_zsl.annotation.zero_shot.text import read_class_file
    if classes is None:
        return None
    if isinstance(classes, str):
        return read_class_file(classes)[0] if osp.isfile(classes) \
            else [classes]
    if len(classes) == 1 and osp.isfile(classes[0]):
        return read_class_file(classes[0])[0]
    return list(classes)


def train_usam(example_dir: str,
               work_dir: str,
               classes: Union[None, str, Sequence[str]] = None,
               sam_model_type: Optional[str] = None,
               sam_checkpoint: Optional[str] = None,
               random_init: Optional[str] = None,
               embedder: Optional[Mapping[str, Any]] = None,
               train: Optional[Mapping[str, Any]] = None,
               overwrite: bool = False,
               device: Optional[str] = None,
               progress: bool = True) -> Dict[str, Any]:
    """Train the U-SAM classifier from example images per class.

    Embeds every example once (``<work_dir>/embeddings``, resumable), then
    trains the teacher and the student (resumable checkpoints).

    Args:
        example_dir (str): ``<example_dir>/<class name>/*.jpg|png``.
        work_dir (str): Cache, checkpoints and ``student.pth``.
        classes (None | str | Sequence[str]): Classifier classes (names or
            a class file); default: every sub-folder, sorted.
        sam_model_type (str, optional): Defaults to 'vit_h'.
        sam_checkpoint (str, optional): SAM weights (unless random_init).
        random_init (str, optional): 'tiny' / 'full' UNTRAINED SAM.
        embedder (Mapping, optional): ``points_per_side``,
            ``points_per_batch``, ``mask_selection``.
        train (Mapping, optional): :class:`USamTrainConfig` options.
        overwrite (bool): Start over (delete cache and checkpoints).
        device (str, optional): Defaults to a GPU if any, else CPU.
        progress (bool): Show progress bars.

    Returns:
        dict: The run summary (also written to ``train_summary.json``).
    """
    from mmseg_zsl.annotation.usam import (EmbeddingCache, USamTrainConfig,
                                           USamTrainer, list_examples)
    start = time.perf_counter()
    device = device or DistInfo.from_env().default_device()
    config = USamTrainConfig(**drop_none(train))
    examples = list_examples(example_dir, read_class_names(classes))
    os.makedirs(work_dir, exist_ok=True)
    if overwrite:
        for stage in ('teacher', 'student'):
            for suffix in ('_latest.pth', '.pth'):
                path = osp.join(work_dir, stage + suffix)
                if osp.isfile(path):
                    os.remove(path)
    sam, sam_record = build_run_sam(sam_model_type, sam_checkpoint,
                                    random_init, device)
    models = dict(sam=sam_record)
    sam_meta = sam_identity(sam_model_type, random_init)
    mask_embedder = build_embedder(sam, embedder)
    meta = dict(sam=sam_meta, embedder=mask_embedder.settings())
    cache = EmbeddingCache(osp.join(work_dir, EMBEDDING_CACHE_DIR), meta)
    cache.prepare(overwrite)
    embedded, cached, failed = cache.extract(mask_embedder, examples,
                                             progress)
    del sam, mask_embedder  # training needs only the cached embeddings
    embeddings, targets = cache.load(examples)
    trainer = USamTrainer(
        embeddings,
        targets,
        examples.class_names,
        work_dir,
        config,
        meta=dict(meta, examples=examples.fingerprint()),
        device=device,
        progress=progress)
    paths = trainer.run()
    summary = dict(
        classes=examples.class_names,
        examples_per_class=examples.counts(),
        embedded=embedded,
        cached=cached,
        failed=failed,
        num_trained=len(embeddings),
        models=models,
        untrained_sam=random_init is not None,
        train_config=config.to_dict(),
        final={s: (h[-1] if h else None)
               for s, h in trainer.history.items()},
        checkpoints=paths,
        seconds=time.perf_counter() - start)
    atomic_write_text(
        osp.join(work_dir, TRAIN_SUMMARY_NAME),
        json.dumps(summary, indent=2, sort_keys=True) + '\n')
    return summary


def train_summary_line(summary: Mapping[str, Any]) -> str:
    """The one-line summary of :func:`train_usam`."""
    final = summary['final'].get('student') or {}
    text = (f"train_usam: {len(summary['classes'])} classes, "
            f"{summary['num_trained']} example images ({summary['embedded']}"
            f" embedded now, {summary['cached']} cached, "
            f"{len(summary['failed'])} unreadable); student loss "
            f"{final.get('loss', float('nan')):.4f} (MIL "
            f"{final.get('loss_mil', float('nan')):.4f}); "
            f"{summary['seconds']:.1f} s -> "
            f"{summary['checkpoints']['student']}")
    if summary.get('untrained_sam'):
        text += ' [UNTRAINED random-init SAM: the classifier is meaningless]'
    return text
