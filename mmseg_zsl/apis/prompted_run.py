"""Running a prompted annotator over a dataset, and relabelling its cache.

Images without prompts are found before the run (a cheap look-up in the
prompt source) and skipped and reported, or stop the run, as asked.
"""
import json
import os.path as osp
import sys
from typing import Callable, Dict, Optional, Sequence, Tuple

from mmseg_zsl.annotation.cache import atomic_write_bytes
from mmseg_zsl.annotation.prompt_sources import (PROMPT_KINDS,
                                                 MissingPromptsError)
from .dist import DistInfo
from .manifest import normalise_json, read_manifest
from .run_loop import SUMMARY_NAME, cached_stems, run_annotation, run_relabel
from .summary import RunSummary

#: What to do with images that have no prompts.
ON_MISSING_CHOICES = ('skip', 'error')


def _amend_summary(out_dir: str, missing: Sequence[str], reason: str,
                   dist: DistInfo, own: RunSummary,
                   merged: RunSummary) -> None:
    """Count images without prompts as failed, in memory and on disk."""
    mine = missing[dist.rank::dist.world_size]
    own.total += len(mine)
    own.failed += [[path, reason] for path in mine]
    merged.total += len(missing)
    merged.failed += [[path, reason] for path in missing]
    if dist.rank != 0:
        return
    path = osp.join(out_dir, SUMMARY_NAME)
    with open(path, encoding='utf-8') as file:
        summary = json.load(file)
    for rank, item in enumerate(summary.get('per_rank', [])):
        shard = missing[rank::dist.world_size]
        item['total'] += len(shard)
        item['failed'] += [[p, reason] for p in shard]
    summary.update(total=merged.total, failed=merged.failed)
    text = json.dumps(summary, indent=2) + '\n'
    atomic_write_bytes(path, text.encode())
    shown = ', '.join(missing[:3]) + (', ...' if len(missing) > 3 else '')
    print(f'annotate: {len(missing)} images have no prompts and were '
          f'skipped ({shown}); listed as failed in {path}',
          file=sys.stderr, flush=True)


def run_prompted_annotation(image_paths: Sequence[str],
                            out_dir: str,
                            annotator,
                            labeler,
                            make_manifest: Callable[[Optional[Dict]], Dict],
                            overwrite: bool = False,
                            dist: Optional[DistInfo] = None,
                            progress: bool = True,
                            on_missing: str = 'skip'
                            ) -> Tuple[RunSummary, RunSummary]:
    """:func:`run_annotation` for a prompted annotator.

    Images without an entry in the prompt source are found first (a cheap
    look-up). ``on_missing='skip'`` annotates the others and counts these as
    failed, with the reason, in the summaries and ``summary.json``;
    ``'error'`` stops before anything runs.
    """
    if on_missing not in ON_MISSING_CHOICES:
        raise ValueError(f'on_missing must be one of {ON_MISSING_CHOICES}, '
                         f'got {on_missing!r}.')
    dist = dist or DistInfo.from_env()
    missing = [p for p in image_paths if not annotator.has_prompts(p)]
    source = annotator.source
    if missing and on_missing == 'error':
        raise MissingPromptsError(
            f'{len(missing)} of {len(image_paths)} images have no prompts in '
            f'{source.path} ({source.format}), e.g. {missing[0]}. Add their '
            'annotations, or skip them (--on-missing-prompts skip).')
    skipped = set(missing)
    own, merged = run_annotation([p for p in image_paths
                                  if p not in skipped], out_dir, annotator,
                                 labeler, make_manifest, overwrite, dist,
                                 progress)
    if missing:
        _amend_summary(out_dir, missing,
                       f'no prompts in {source.path} ({source.format})', dist,
                       own, merged)
    return own, merged


def relabel_prompted_dataset(out_dir: str,
                             unassigned_label: Optional[int] = None,
                             stems: Optional[Sequence[str]] = None,
                             dist: Optional[DistInfo] = None,
                             progress: bool = True
                             ) -> Tuple[RunSummary, RunSummary]:
    """Rewrite the labels of a prompted run from its cache (no SAM).

    Only the unassigned label can change: the classes are those of the
    prompts. ``unassigned_label`` None keeps the manifest's.
    """
    from mmseg_zsl.annotation.prompted_labeler import PromptedLabeler
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(f'{out_dir} has no manifest.json: annotate '
                                'it first.')
    if manifest.get('annotator') not in PROMPT_KINDS:
        raise ValueError(f'{out_dir} was made by the '
                         f"{manifest.get('annotator')!r} annotator, not a "
                         f'prompted one {PROMPT_KINDS}.')
    labels = manifest['labels']
    labeler = PromptedLabeler(
        labels['classes'], labels['unassigned_label']
        if unassigned_label is None else unassigned_label,
        labels['background_names'])

    def make_manifest(old: Optional[Dict]) -> Dict:
        new = dict(old or manifest)
        if normalise_json(new.get('labels')) != normalise_json(
                labeler.settings()):
            new['history'] = list(new.get('history', [])) + [new['labels']]
            new['labels'] = labeler.settings()
        return new

    return run_relabel(
        cached_stems(out_dir) if stems is None else stems, out_dir, labeler,
        make_manifest, dist, progress)
