"""``refine``: a trained model's confident predictions over the zero-shot
labels (``tools/refine_pseudo_labels.py``).

The images and their zero-shot labels are the config's unlabeled dataset
(:data:`REFINE_DATASET_KEY`); the model is the config's, with a checkpoint,
run as ``tools/test.py`` runs it. Every input is checked before anything is
written: a checkpoint that does not fit the config, a zero-shot label or a
segment cache missing or of another size stop the run with one line.
A refined label is one forward pass, so a new tau or checkpoint is a new
run (``--overwrite`` or another directory), not a relabel.
"""
import os.path as osp
import re
from typing import Any, Dict, List, Sequence, Tuple

import torch

from mmseg_zsl.annotation.cache import cached_image_size, read_cache_arrays
from mmseg_zsl.annotation.output_dir import output_paths
from mmseg_zsl.models.segmentors.semi_train_cfg import resolve_semi_train_cfg
from mmseg_zsl.utils.files import file_sha256, image_stem
from ..inputs import ImageSource, build_config_dataset
from .base import AnnotationMode, Labeler, ModeSetup

#: The dataset whose images are refined: the unlabeled half of training.
REFINE_DATASET_KEY = 'train_dataloader.dataset.unlabeled'
#: Per-image counts in each cache record, summed in the manifest.
_COUNTS = ('changed_pixels', 'confident_pixels', 'num_pixels')
#: The cache arrays they are counted from (not the masks).
_COUNTED_ARRAYS = ('image_size', 'field_changed_pixels',
                   'field_confident_pixels')
#: Pipeline steps that load files; the refiner gives the image itself.
_LOADING_STEPS = ('LoadImageFromFile', 'LoadAnnotations',
                  'ZeroShotPseudoLabel')


def image_sizes(paths: Sequence[str]
                ) -> Tuple[Dict[str, Tuple[int, int]], List[Tuple[str, str]]]:
    """``(H, W)`` of each readable image (headers only, read once for
    every check), and ``(path, reason)`` of those that cannot be read: that
    image's failure, not the run's (the engine counts it as failed)."""
    from mmseg_zsl.visualization.files import image_size
    sizes, unreadable = {}, []
    for path in paths:
        try:
            sizes[path] = image_size(path)
        except OSError as error:  # missing, or PIL cannot decode it
            unreadable.append((path, f'cannot read image: {error}'))
    return sizes, unreadable


def _missing_message(what: str, missing: Sequence[str], total: int,
                     where: str, fix: str) -> str:
    return (f'{len(missing)} of {total} images have no {what} in {where} '
            f'(e.g. {missing[0]}): {fix}')


def check_zero_shot_labels(infos: Dict[str, Dict],
                           sizes: Dict[str, Tuple[int, int]],
                           config_name: str) -> None:
    """Every image has a zero-shot label file; every readable one (of
    ``sizes``) a label of its size. A wrong label folder refuses the run."""
    from mmseg_zsl.visualization.files import image_size
    no_dir = [p for p, info in infos.items()
              if info.get('pseudo_label_path') is None]
    if no_dir:
        raise ValueError(
            f'{config_name}: {REFINE_DATASET_KEY} has no pseudo_label_dir; '
            'set it to the zero-shot labels to refine (the labels/ of '
            'tools/annotate.py), e.g. --cfg-options '
            f'{REFINE_DATASET_KEY}.pseudo_label_dir=work_dirs/zs/labels')
    files = {p: info['pseudo_label_path'] for p, info in infos.items()}
    missing = [f for f in files.values() if not osp.isfile(f)]
    if missing:
        raise FileNotFoundError(_missing_message(
            'zero-shot label', missing, len(files),
            osp.dirname(missing[0]), 'annotate them (tools/annotate.py) or '
            'point pseudo_label_dir at the labels of these images.'))
    for path, size in sizes.items():
        if image_size(files[path]) != size:
            raise ValueError(
                f'zero-shot label {files[path]} is not the size of its image '
                f'{path}: the labels were made for other images.')


def check_segments(segments_dir: str,
                   sizes: Dict[str, Tuple[int, int]]) -> None:
    """Every readable image (of ``sizes``) has a segment cache of its
    size."""
    from mmseg_zsl.annotation.refine.refiner import segment_cache_file
    if not osp.isdir(segments_dir):
        raise FileNotFoundError(
            f'--segments {segments_dir} is not a directory; pass the output '
            'directory of tools/annotate.py (its cache/ holds SAM\'s masks).')
    files = {p: segment_cache_file(segments_dir, image_stem(p))
             for p in sizes}
    missing = [f for f in files.values() if not osp.isfile(f)]
    if missing:
        raise FileNotFoundError(_missing_message(
            'segment cache', missing, len(files), segments_dir,
            'annotate these images into it (tools/annotate.py), or pass the '
            'cache made for them.'))
    for path, cache in files.items():
        if tuple(cached_image_size(cache)) != tuple(sizes[path]):
            raise ValueError(
                f'segments {cache} are not the size of the image {path}: '
                '--segments must be the annotation cache of these images.')


def load_checked_checkpoint(model: torch.nn.Module, checkpoint: str,
                            config_name: str) -> None:
    """Load a checkpoint, refusing one whose tensors do not fit the model
    (e.g. another class count), which mmengine would only warn about."""
    from mmengine.runner.checkpoint import load_state_dict
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = {  # as mmengine's load_checkpoint revises them
        re.sub(r'^module\.', '', k): v
        for k, v in state.get('state_dict', state).items()
    }
    own = model.state_dict()
    if not any(k.startswith('segmentor.') for k in state) and any(
            k.startswith('segmentor.') for k in own):  # a plain mmseg model
        state = {'segmentor.' + k: v for k, v in state.items()}
    shared = [k for k in own if k in state]
    if len(shared) < len(own) / 2:
        raise ValueError(
            f'{checkpoint} is not a checkpoint of {config_name}: it holds '
            f'{len(shared)} of the model\'s {len(own)} tensors.')
    for key in shared:
        if tuple(state[key].shape) != tuple(own[key].shape):
            num_classes = getattr(model, 'num_classes', None)
            raise ValueError(
                f'{checkpoint} does not fit {config_name}: {key} is '
                f'{tuple(state[key].shape)} there, {tuple(own[key].shape)} in '
                f'the config\'s model ({num_classes} classes). Pass the '
                'config the checkpoint was trained with.')
    # the tensors read above, not a second read of the file
    load_state_dict(model, state, logger='silent')


def refine_transforms(cfg: Any):
    """The config's test pipeline without its loading steps."""
    from mmcv.transforms import Compose
    steps = [
        step for step in cfg.test_dataloader.dataset.get('pipeline', [])
        if step['type'] not in _LOADING_STEPS
    ]
    return Compose(steps), steps


def refinement_counts(out_dir: str, stems: Sequence[str]) -> Dict[str, Any]:
    """Pixel counts over the run's images and the share changed (%)."""
    totals = dict.fromkeys(_COUNTS, 0)
    for stem in stems:
        cache = output_paths(out_dir, stem)[1]
        arrays = read_cache_arrays(cache, _COUNTED_ARRAYS)
        for name in ('changed_pixels', 'confident_pixels'):
            totals[name] += int(arrays['field_' + name])
        height, width = cached_image_size(cache, arrays)
        totals['num_pixels'] += height * width
    pixels = max(totals['num_pixels'], 1)
    return dict(
        totals,
        num_images=len(stems),
        changed_percent=100.0 * totals['changed_pixels'] / pixels,
        confident_percent=100.0 * totals['confident_pixels'] / pixels)


class RefineMode(AnnotationMode):
    """``refine``: Eq. 7 offline, from a checkpoint.

    Options: ``config`` (a loaded mmengine ``Config``, required),
    ``checkpoint`` (required), ``tau`` (default: ``zsl``'s ``conf_thresh``,
    0.7, the paper's), ``flip``
    (default False), ``segments`` (an annotation output or cache directory
    whose masks are decided as a whole; default None).
    """
    kinds = ('refine', )
    options = ('config', 'checkpoint', 'tau', 'flip', 'segments')
    own_tool = 'tools/refine_pseudo_labels.py'

    def build(self, kind: str, images: ImageSource, device: str,
              **options: Any) -> ModeSetup:
        from mmengine.registry import init_default_scope
        from mmseg.registry import MODELS

        from mmseg_zsl.annotation.refine import (RefineAnnotator,
                                                 label_from_record)
        self.check_options(options)
        cfg, checkpoint = options['config'], options['checkpoint']
        tau = options.get('tau')
        if tau is None:  # the paper's tau, from its one home
            tau = resolve_semi_train_cfg(dict(mode='zsl'))['conf_thresh']
        tau = float(tau)
        if not 0.0 <= tau <= 1.0:
            raise ValueError(f'--tau is a confidence in [0, 1], got {tau}.')
        segments = options.get('segments')
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'checkpoint {checkpoint!r} does not exist.')
        dataset = build_config_dataset(cfg, REFINE_DATASET_KEY)
        infos = {}
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            infos[info['img_path']] = info
        sizes, unreadable = image_sizes(images.paths)
        check_zero_shot_labels(infos, sizes, cfg.filename)
        if segments is not None:
            segments = osp.abspath(segments)
            check_segments(segments, sizes)
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        model = MODELS.build(cfg.model)
        load_checked_checkpoint(model, checkpoint, cfg.filename)
        model.to(device).eval()
        pipeline, steps = refine_transforms(cfg)
        annotator = RefineAnnotator(model, pipeline, infos, tau,
                                    bool(options.get('flip')), segments,
                                    getattr(dataset, 'ignore_index', 255))
        zs_dirs = sorted({osp.dirname(i['pseudo_label_path'])
                          for i in infos.values()})
        test_cfg = cfg.model.get('segmentor', cfg.model).get('test_cfg')
        return ModeSetup(
            annotator, label_from_record,
            dict(
                annotator=annotator.kind,
                models=dict(
                    checkpoint=dict(
                        path=osp.abspath(checkpoint),
                        sha256=file_sha256(checkpoint)),
                    config=cfg.filename,
                    test_cfg=dict(test_cfg or {}),
                    test_pipeline=[dict(s) for s in steps]),
                annotator_settings=dict(
                    annotator.settings(),
                    zero_shot_labels=[osp.abspath(d) for d in zs_dirs]),
                labels=dict(classes=list(images.classes or [])),
                random_init=None),
            excluded=unreadable)

    def relabeler(self, manifest: Dict[str, Any], images: ImageSource,
                  device: str, **options: Any) -> Labeler:
        raise ValueError(
            'a refinement is one forward pass, not labels from a cache: run '
            'tools/refine_pseudo_labels.py again with the new settings and '
            '--overwrite (or another output directory).')
