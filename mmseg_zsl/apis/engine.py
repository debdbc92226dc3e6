"""The annotation engine: one loop for every labelling mode.

:func:`annotate` and :func:`relabel` are the Python API (keyword options
only; ``tools/annotate.py`` is their command line). A mode
(:mod:`mmseg_zsl.apis.modes`) supplies the annotator, the labeler and its
manifest entries; the engine owns the rest: listing the images, sharding
them over processes (torchrun), resume, the manifest and its checks, the
relabel history, progress, writing (:mod:`mmseg_zsl.annotation.output_dir`)
and the summary.
"""
import os
import os.path as osp
import sys
import time
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from tqdm import tqdm

from mmseg_zsl.annotation.base import BaseAnnotator
from mmseg_zsl.annotation.cache import ImageRecord, cached_image_size
from mmseg_zsl.annotation.output_dir import (CACHE_DIR, LABELS_DIR,
                                             cached_stems, label_problem,
                                             output_paths, read_manifest,
                                             write_failures, write_manifest,
                                             write_summary)
from mmseg_zsl.utils.files import image_stem, remove_stale_temp_files
from .dist import DistInfo, all_gather, broadcast, init_process_group
from .inputs import (DEFAULT_DATASET_KEY, ImageSource, check_unique_stems,
                     list_images, read_image)
from .io_threads import ImagePrefetcher, OutputWriter
from .manifest import (build_manifest, cache_differences, check_resume,
                       with_relabel_history)
from .modes import Labeler, get_mode
from .summary import RunSummary

Summaries = Tuple[RunSummary, RunSummary]
#: Images read ahead, and outputs queued for the writer thread.
IO_THREADS = 2


def annotate(source: str,
             out_dir: str,
             mode: str = 'zero-shot',
             overwrite: bool = False,
             data_root: Optional[str] = None,
             dataset_key: Optional[str] = None,
             device: Optional[str] = None,
             progress: bool = True,
             dist: Optional[DistInfo] = None,
             **options: Any) -> Summaries:
    """Pseudo labels of a dataset's images (resumable, shardable).

    Args:
        source (str): mmseg config, split file or image folder
            (:func:`~mmseg_zsl.apis.inputs.list_images`).
        out_dir (str): Output directory
            (:mod:`~mmseg_zsl.annotation.output_dir`).
        mode (str): 'zero-shot' (the paper), 'boxes', 'points',
            'scribbles' or 'usam' (:data:`~mmseg_zsl.apis.modes.MODES`).
        overwrite (bool): Annotate images again even if done.
        data_root (str, optional): Root of a split file's paths.
        dataset_key (str, optional): Dataset key in a config.
        device (str, optional): Defaults to this rank's GPU, else CPU.
        progress (bool): Show a progress bar.
        dist (DistInfo, optional): Sharding; torchrun's by default.
        **options: The mode's options (see its class, e.g.
            :class:`~mmseg_zsl.apis.modes.ZeroShotMode`).

    Returns:
        tuple[RunSummary, RunSummary]: This rank's and the merged summary.
    """
    dist = dist or DistInfo.from_env()
    images = list_images(source, data_root, dataset_key
                         or DEFAULT_DATASET_KEY)
    setup = get_mode(mode).build(mode, images, device
                                 or dist.default_device(), **options)
    manifest = build_manifest(source=images.describe(), **setup.manifest)

    def make_manifest(old: Optional[Dict]) -> Dict:
        if not overwrite:
            check_resume(old, manifest, out_dir)
        elif old is not None and cache_differences(old, manifest):
            _check_overwrite_covers(out_dir, images.paths)
        return manifest

    excluded = dict(setup.excluded)
    # a mode with a tool of its own reports under its name
    name = mode if get_mode(mode).own_tool else 'annotate'
    return run_annotation([p for p in images.paths if p not in excluded],
                          out_dir, setup.annotator, setup.labeler,
                          make_manifest, overwrite, dist, progress,
                          excluded=setup.excluded, name=name)


def _check_overwrite_covers(out_dir: str, paths: Sequence[str]) -> None:
    """An ``--overwrite`` with other settings must redo every cached image:
    the manifest names one setting for the whole directory."""
    kept = sorted(set(cached_stems(out_dir)) - {image_stem(p) for p in paths})
    if kept:
        raise ValueError(
            f'{out_dir} holds {len(kept)} images annotated with other '
            f'settings that this --overwrite run does not cover (e.g. '
            f'{kept[0]}); its manifest would then claim the new settings for '
            'them too. Give an input with every one of its images, use '
            'another output directory, or delete this one.')


def relabel(out_dir: str,
            source: Optional[str] = None,
            mode: Optional[str] = None,
            stems: Optional[Sequence[str]] = None,
            data_root: Optional[str] = None,
            dataset_key: Optional[str] = None,
            device: Optional[str] = None,
            progress: bool = True,
            dist: Optional[DistInfo] = None,
            **options: Any) -> Summaries:
    """Rewrite labels from the cache with new label settings (no SAM).

    The previous label settings go to the manifest's ``history``.

    Args:
        out_dir (str): A directory written by :func:`annotate`.
        source (str, optional): The images to relabel (as in
            :func:`annotate`; a config also gives the default classes);
            None relabels every cached image.
        mode (str, optional): The mode the directory was annotated with
            (checked); None takes the manifest's.
        stems (Sequence[str], optional): Relabel only these images.
        data_root, dataset_key, device, progress, dist: As
            :func:`annotate`.
        **options: The mode's options; those that only the annotation uses
            (e.g. the SAM checkpoint) are ignored.
    """
    dist = dist or DistInfo.from_env()
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(
            f'{out_dir} has no manifest.json: annotate it first (relabel '
            'rewrites labels from an existing annotation cache).')
    made_by = manifest.get('annotator')
    handler = get_mode(mode or made_by)
    if made_by not in handler.kinds:
        raise ValueError(
            f'{out_dir} was made by the {made_by!r} annotator; mode '
            f'{mode!r} relabels caches of {list(handler.kinds)}.')
    images = list_images(source, data_root, dataset_key
                         or DEFAULT_DATASET_KEY) if source else None
    if stems is None:
        stems = [image_stem(p) for p in images.paths
                 ] if images else cached_stems(out_dir)
    if images is None:  # no dataset: no default classes
        images = ImageSource(paths=[], kind='cache', location=out_dir)
    requested = options.get('precision')
    recorded = manifest.get('models', {}).get('sam', {}).get(
        'precision', 'exact')
    if requested is not None and requested != recorded:
        raise ValueError(
            f'{out_dir} was annotated with the {recorded!r} tier; caches of '
            f'the two tiers never mix: relabel it without --precision (or '
            f'with --precision {recorded}), or annotate another directory.')
    labeler = handler.relabeler(manifest, images, device
                                or dist.default_device(), **options)

    def make_manifest(old: Optional[Dict]) -> Dict:
        return with_relabel_history(old or manifest, labeler.settings())

    return run_relabel(stems, out_dir, labeler, make_manifest, dist,
                       progress)


def _prepare(out_dir: str, dist: DistInfo,
             make_manifest: Callable[[Optional[Dict]], Dict]) -> Dict:
    """Rank 0 checks and writes the manifest; every rank gets it."""
    init_process_group(dist)
    for name in (LABELS_DIR, CACHE_DIR):
        os.makedirs(osp.join(out_dir, name), exist_ok=True)
    manifest, error = None, None
    if dist.rank == 0:
        try:
            manifest = make_manifest(read_manifest(out_dir))
            for name in (LABELS_DIR, CACHE_DIR):
                remove_stale_temp_files(osp.join(out_dir, name))
            write_manifest(out_dir, manifest)
        except Exception as exc:  # re-raised below, after telling the others
            error = exc
    manifest, message = broadcast(
        dist, (manifest, None if error is None else
               f'{type(error).__name__}: {error}'))
    if error is not None:
        raise error
    if message is not None:
        raise RuntimeError(f'rank 0 stopped the run: {message}')
    return manifest


def _finish(out_dir: str, summary: RunSummary, dist: DistInfo) -> RunSummary:
    """Merge the ranks' summaries; rank 0 writes ``summary.json`` and the
    failed images' list (``failures.json``, the manifest).

    Every rank returns the merged summary, so every rank of a torchrun job
    can exit with the same status (:func:`mmseg_zsl.utils.tool_exit.
    finished_status`).
    """
    per_rank = all_gather(dist, summary.to_dict())
    fields = set(RunSummary.__dataclass_fields__)
    merged = RunSummary.merge([
        RunSummary(**{k: v
                      for k, v in item.items() if k in fields})
        for item in per_rank
    ])
    if dist.rank == 0:
        write_summary(out_dir, dict(merged.to_dict(), per_rank=per_rank))
        write_failures(out_dir, merged.mode, merged.total, merged.failed)
    return merged


def _progress(total: int, desc: str, dist: DistInfo, enabled: bool) -> tqdm:
    # One bar (rank 0's shard) keeps multi-process logs readable.
    return tqdm(
        total=total,
        desc=desc,
        unit='img',
        disable=not enabled or dist.rank != 0,
        file=sys.stderr,
        dynamic_ncols=True)


def run_annotation(image_paths: Sequence[str],
                   out_dir: str,
                   annotator: BaseAnnotator,
                   labeler: Labeler,
                   make_manifest: Callable[[Optional[Dict]], Dict],
                   overwrite: bool = False,
                   dist: Optional[DistInfo] = None,
                   progress: bool = True,
                   excluded: Sequence[Tuple[str, str]] = (),
                   io_threads: int = IO_THREADS,
                   name: str = 'annotate') -> Summaries:
    """Annotate images into ``out_dir``: the loop of :func:`annotate`.

    Args:
        image_paths (Sequence[str]): All images (every rank gets the same
            list and takes its shard).
        out_dir (str): Output directory.
        annotator (BaseAnnotator): Image -> cache record.
        labeler (Labeler): ``labeler(record, masks=None)`` -> label map.
        make_manifest (Callable): Existing manifest (or None) -> the
            manifest to write; raises if the run must not go on.
        overwrite (bool): Annotate done images again. Defaults to False.
        dist (DistInfo, optional): Defaults to torchrun's environment.
        progress (bool): Show a progress bar. Defaults to True.
        excluded (Sequence[tuple[str, str]]): ``(path, reason)`` of images
            left out by the mode, counted as failed (each rank its shard).
        io_threads (int): Images read ahead and outputs written behind the
            loop on threads (:mod:`.io_threads`); 0 does both inline.
        name (str): What the summary line and progress bar call the run.

    Returns:
        tuple[RunSummary, RunSummary]: This rank's and all ranks' summary.
    """
    dist = dist or DistInfo.from_env()
    stems = check_unique_stems(image_paths)
    manifest = _prepare(out_dir, dist, make_manifest)
    items = dist.shard(list(zip(image_paths, stems)))
    left_out = [list(item) for item in dist.shard(list(excluded))]
    summary = RunSummary(
        name,
        total=len(items) + len(left_out),
        failed=left_out,
        untrained_models=bool(manifest.get('untrained_models')))
    if excluded and dist.rank == 0:
        shown = ', '.join(p for p, _ in excluded[:3]) + (
            ', ...' if len(excluded) > 3 else '')
        print(f'annotate: {len(excluded)} images left out ({shown}): '
              f'{excluded[0][1]}; listed as failed in the summary',
              file=sys.stderr, flush=True)
    plan = []  # (path, label file, cache file, what it needs)
    for path, stem in items:
        files = output_paths(out_dir, stem)
        plan.append((path, *files, _needs(path, *files, overwrite)))
    start = time.perf_counter()
    with _progress(len(items), name, dist, progress) as bar, \
            ImagePrefetcher([p for p, *_, what in plan if what == 'annotate'],
                            read_image, io_threads) as reader, \
            OutputWriter(io_threads) as writer:
        for path, label_file, cache_file, what in plan:
            if what == 'skip':
                summary.skipped += 1
            elif what == 'from_cache':  # killed between cache and label
                _label_from_record(ImageRecord.from_file(cache_file),
                                   label_file, labeler, writer, summary)
            else:
                try:
                    image = reader.next(path)
                except (OSError, ValueError) as error:
                    summary.failed.append([path, str(error)])
                    bar.write(f'annotate: skipped unreadable image {path}: '
                              f'{error}', file=sys.stderr)
                    bar.update()
                    continue
                result = annotator.annotate(image, path)
                writer.submit(cache_file, result.record, label_file,
                              labeler(result.record, result.masks))
                summary.done += 1
                summary.num_masks += result.record.num_masks
            bar.update()
    summary.seconds = time.perf_counter() - start
    return summary, _finish(out_dir, summary, dist)


def _needs(path: str, label_file: str, cache_file: str,
           overwrite: bool) -> str:
    """What an image needs: 'skip' (done), 'from_cache' (its label) or
    'annotate'. Resume checks what it would skip; broken files are redone
    and named."""
    if overwrite or not osp.isfile(cache_file):
        return 'annotate'
    try:
        size = cached_image_size(cache_file)
    except ValueError as problem:
        print(f'annotate: {path}: {problem}; annotating it again',
              file=sys.stderr, flush=True)
        return 'annotate'
    if not osp.isfile(label_file):
        return 'from_cache'  # killed between cache and label
    problem = label_problem(label_file, size)
    if problem is None:
        return 'skip'
    print(f'annotate: {path}: {problem}; labelling it again from its cache',
          file=sys.stderr, flush=True)
    return 'from_cache'


def _label_from_record(record: ImageRecord, label_file: str,
                       labeler: Labeler, writer: OutputWriter,
                       summary: RunSummary) -> None:
    """Label an image from its cached record (the labeler runs here, the
    writing behind the loop), and count it as done."""
    writer.submit(None, None, label_file, labeler(record))
    summary.done += 1
    summary.num_masks += record.num_masks


def run_relabel(stems: Sequence[str],
                out_dir: str,
                labeler: Labeler,
                make_manifest: Callable[[Optional[Dict]], Dict],
                dist: Optional[DistInfo] = None,
                progress: bool = True) -> Summaries:
    """Rewrite the labels of ``stems`` from the cache: the loop of
    :func:`relabel`. Stems without a cache file are reported as failed."""
    dist = dist or DistInfo.from_env()
    manifest = _prepare(out_dir, dist, make_manifest)
    items = dist.shard(list(stems))
    summary = RunSummary(
        'relabel',
        total=len(items),
        untrained_models=bool(manifest.get('untrained_models')))
    start = time.perf_counter()
    with _progress(len(items), 'relabel', dist, progress) as bar, \
            OutputWriter(IO_THREADS) as writer:
        for stem in items:
            label_file, cache_file = output_paths(out_dir, stem)
            if not osp.isfile(cache_file):
                summary.failed.append([stem, 'no cache: not annotated yet'])
            else:
                try:
                    record = ImageRecord.from_file(cache_file)
                except ValueError as problem:  # a damaged cache, named
                    summary.failed.append([stem, str(problem)])
                else:
                    _label_from_record(record, label_file, labeler, writer,
                                       summary)
            bar.update()
    summary.seconds = time.perf_counter() - start
    return summary, _finish(out_dir, summary, dist)
