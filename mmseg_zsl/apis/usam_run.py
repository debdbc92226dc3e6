"""U-SAM annotation and relabelling through the shared run loop.

Same output layout, manifest, resume, sharding and summary as the
zero-shot annotator (:mod:`mmseg_zsl.apis.run_loop`); the cache holds the
d grid masks and their mask embeddings, so :func:`usam_relabel_dataset`
applies a new confidence threshold, NMS threshold or classifier without SAM.
"""
import argparse
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from .dist import DistInfo
from .inputs import DEFAULT_DATASET_KEY, image_stem, list_images
from .manifest import (build_manifest, check_resume, normalise_json,
                       read_manifest)
from .run_loop import cached_stems, run_annotation, run_relabel
from .summary import RunSummary
from .usam import build_usam_annotation, build_usam_labeler


def annotate_usam_from_args(
        args: argparse.Namespace) -> Tuple[RunSummary, RunSummary]:
    """Run ``tools/annotate.py --prompts usam`` from its parsed flags.

    Reads ``input``, ``out_dir``, ``data_root``, ``dataset_key``,
    ``overwrite``, ``relabel``, ``no_progress`` and the flags that
    :func:`~mmseg_zsl.apis.usam.build_usam_annotation` reads.
    """
    dist = DistInfo.from_env()
    progress = not getattr(args, 'no_progress', False)
    images = list_images(args.input, getattr(args, 'data_root', None),
                         getattr(args, 'dataset_key', None)
                         or DEFAULT_DATASET_KEY)
    if getattr(args, 'relabel', False):
        return usam_relabel_dataset(
            args.out_dir,
            checkpoint=getattr(args, 'usam_checkpoint', None),
            classes=getattr(args, 'classes', None),
            unassigned_label=getattr(args, 'unassigned_label', None),
            confidence_threshold=getattr(args, 'usam_confidence_threshold',
                                         None),
            nms_thresh=getattr(args, 'usam_nms_thresh', None),
            stems=[image_stem(p) for p in images.paths],
            device=getattr(args, 'device', None) or dist.default_device(),
            progress=progress,
            dist=dist)
    annotator, labeler, settings = build_usam_annotation(
        args, images.classes)
    manifest = build_manifest(source=images.describe(), **settings)
    overwrite = bool(getattr(args, 'overwrite', False))

    def make_manifest(old: Optional[Dict]) -> Dict:
        if not overwrite:
            check_resume(old, manifest, args.out_dir)
        return manifest

    return run_annotation(images.paths, args.out_dir, annotator, labeler,
                          make_manifest, overwrite, dist, progress)


def usam_annotate_dataset(source: str,
                          out_dir: str,
                          checkpoint: str,
                          classes: Union[None, str, Sequence[str]] = None,
                          unassigned_label: Optional[int] = None,
                          confidence_threshold: Optional[float] = None,
                          nms_thresh: Optional[float] = None,
                          sam_model_type: Optional[str] = None,
                          sam_checkpoint: Optional[str] = None,
                          random_init: Optional[str] = None,
                          points_per_side: Optional[int] = None,
                          points_per_batch: Optional[int] = None,
                          mask_selection: Optional[str] = None,
                          data_root: Optional[str] = None,
                          dataset_key: Optional[str] = None,
                          overwrite: bool = False,
                          relabel: bool = False,
                          device: Optional[str] = None,
                          progress: bool = True
                          ) -> Tuple[RunSummary, RunSummary]:
    """U-SAM pseudo labels of a dataset's images (library form).

    Args:
        source (str): mmseg config, split file or image folder.
        out_dir (str): Output directory (``labels/``, ``cache/``...).
        checkpoint (str): Trained classifier (``student.pth``).
        classes (None | str | Sequence[str]): Dataset classes (file,
            dataset type, names); default: the config's metainfo, else
            ``['background'] + classifier classes``.
        unassigned_label (int, optional): 0 (default) or 255.
        confidence_threshold (float, optional): Defaults to 0.7.
        nms_thresh (float, optional): Defaults to 0.5.
        sam_model_type (str, optional): Defaults to the training SAM's.
        sam_checkpoint (str, optional): SAM weights.
        random_init (str, optional): UNTRAINED SAM ('tiny' / 'full'), as
            in training.
        points_per_side (int, optional): Defaults to training's.
        points_per_batch (int, optional): Defaults to 64.
        mask_selection (str, optional): 'best' (default) or 'single'.
        data_root (str, optional): Root of a split file's paths.
        dataset_key (str, optional): Dataset key in a config.
        overwrite (bool): Redo images already done.
        relabel (bool): Rewrite the labels from the cache only.
        device (str, optional): Defaults to a GPU if any, else CPU.
        progress (bool): Show a progress bar.
    """
    args = argparse.Namespace(
        input=source,
        out_dir=out_dir,
        usam_checkpoint=checkpoint,
        classes=classes,
        unassigned_label=unassigned_label,
        usam_confidence_threshold=confidence_threshold,
        usam_nms_thresh=nms_thresh,
        sam_model_type=sam_model_type,
        sam_checkpoint=sam_checkpoint,
        random_init=random_init,
        usam_points_per_side=points_per_side,
        usam_points_per_batch=points_per_batch,
        usam_mask_selection=mask_selection,
        data_root=data_root,
        dataset_key=dataset_key,
        overwrite=overwrite,
        relabel=relabel,
        device=device,
        no_progress=not progress)
    return annotate_usam_from_args(args)


def usam_relabel_dataset(out_dir: str,
                         checkpoint: Optional[str] = None,
                         classes: Union[None, str, Sequence[str]] = None,
                         unassigned_label: Optional[int] = None,
                         confidence_threshold: Optional[float] = None,
                         nms_thresh: Optional[float] = None,
                         stems: Optional[Sequence[str]] = None,
                         device: str = 'cpu',
                         progress: bool = True,
                         dist: Optional[DistInfo] = None
                         ) -> Tuple[RunSummary, RunSummary]:
    """Rewrite U-SAM labels from the cache (no SAM, no images).

    Options left as None keep the manifest's (classifier, classes,
    thresholds, unassigned label); the previous label settings go to the
    manifest's ``history``.
    """
    dist = dist or DistInfo.from_env()
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(
            f'{out_dir} has no manifest.json: annotate it first (relabel '
            'rewrites labels from an existing annotation cache).')
    if manifest.get('annotator') != 'usam':
        raise ValueError(f'{out_dir} was made by the '
                         f"{manifest.get('annotator')!r} annotator; U-SAM "
                         'relabelling needs U-SAM mask embeddings.')
    old: Dict[str, Any] = manifest['labels']
    labeler = build_usam_labeler(
        checkpoint or old['classifier']['checkpoint'],
        old['classes'] if classes is None else classes,
        None,
        old['unassigned_label']
        if unassigned_label is None else unassigned_label,
        device,
        confidence_threshold=old['confidence_threshold']
        if confidence_threshold is None else confidence_threshold,
        nms_thresh=old['nms_thresh'] if nms_thresh is None else nms_thresh)
    trained = labeler.checkpoint_meta['sam']
    if trained != old['classifier']['sam']:
        raise ValueError(
            f'The classifier was trained on SAM {trained}, the cache of '
            f"{out_dir} holds embeddings of SAM {old['classifier']['sam']}.")

    def make_manifest(current: Optional[Dict]) -> Dict:
        new = dict(current or manifest)
        if normalise_json(new.get('labels')) != normalise_json(
                labeler.settings()):
            new['history'] = list(new.get('history', [])) + [new['labels']]
            new['labels'] = labeler.settings()
        return new

    return run_relabel(
        cached_stems(out_dir) if stems is None else stems, out_dir, labeler,
        make_manifest, dist, progress)
