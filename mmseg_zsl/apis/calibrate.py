"""``calibrate_zero_shot``: tune the zero-shot labeller on the labelled split.

The labelled images are annotated into an ordinary annotation directory
(:func:`~mmseg_zsl.apis.engine.annotate`: cached, resumable,
shardable), then thresholds and prompts are searched from that cache alone
(see :mod:`mmseg_zsl.calibration`). The chosen settings go to
``<work_dir>/settings.json``, which :func:`annotate_options_from_settings`
turns into zero-shot ``annotate`` options (``tools/annotate.py
--settings``), and the report to ``<work_dir>/report.json``.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from mmseg_zsl.annotation.output_dir import (FAILURES_NAME, output_paths,
                                             read_manifest)
from mmseg_zsl.annotation.zero_shot.text import ThresholdSpec
from mmseg_zsl.calibration import (CANDIDATE_TEMPLATES, DEFAULT_IGNORE_INDEX,
                                   BaseLabels, CalibrationResult,
                                   CalibrationSettings, PromptSpace,
                                   SearchOptions, build_report,
                                   ground_truth_paths, load_calibration_data,
                                   load_calibration_settings, read_synonyms,
                                   run_calibration, save_calibration_settings)
from mmseg_zsl.utils.files import atomic_write_text
from mmseg_zsl.utils.options import drop_none
from .dist import DistInfo
from .engine import annotate as annotate_images
from .engine import relabel
from .inputs import DEFAULT_DATASET_KEY, check_unique_stems, list_images
from .modes.zero_shot import build_text_encoder
from .summary import RunSummary

#: Where the settings and report go inside the annotation directory.
DEFAULT_WORK_DIR_NAME = 'calibration'
SETTINGS_NAME = 'settings.json'
REPORT_NAME = 'report.json'
#: Zero-shot annotate options a settings file provides.
SETTINGS_OPTIONS = ('threshold', 'classes', 'templates', 'class_prompts',
                    'background_names', 'unassigned_label')


def _as_settings(
        settings: Union[str, CalibrationSettings]) -> CalibrationSettings:
    if isinstance(settings, CalibrationSettings):
        return settings
    return load_calibration_settings(settings)


def annotate_options_from_settings(settings: Union[str,
                                                   CalibrationSettings],
                                   **overrides: Any) -> Dict[str, Any]:
    """Zero-shot ``annotate`` options from a settings file.

    Args:
        settings (str | CalibrationSettings): The file (or loaded settings).
        **overrides: Options of :data:`SETTINGS_OPTIONS` given explicitly
            (e.g. CLI flags); those that are not None replace the file's.

    Returns:
        dict: ``threshold``, ``classes``, ``templates``, ``class_prompts``,
        ``background_names``, ``unassigned_label``.
    """
    unknown = sorted(set(overrides) - set(SETTINGS_OPTIONS))
    if unknown:
        raise TypeError(f'Unknown options {unknown}; settings provide '
                        f'{list(SETTINGS_OPTIONS)}.')
    return {**_as_settings(settings).annotate_options(),
            **drop_none(overrides)}


def relabel_with_settings(out_dir: str,
                          settings: Union[str, CalibrationSettings],
                          stems: Optional[Sequence[str]] = None,
                          device: str = 'cpu',
                          progress: bool = True,
                          dist: Optional[DistInfo] = None,
                          clip_pretrained: Optional[str] = None
                          ) -> Tuple[RunSummary, RunSummary]:
    """Rewrite the labels of ``out_dir`` from its cache with the settings."""
    return relabel(
        out_dir,
        mode='zero-shot',
        stems=stems,
        device=device,
        progress=progress,
        dist=dist,
        **drop_none(
            dict(
                settings=_as_settings(settings),
                clip_pretrained=clip_pretrained)))


def _failures_hint(out_dir: str) -> str:
    """Where the annotation run listed why images failed, if it did.

    Images that failed annotation have no cache, so calibration cannot
    start; their reasons are what the user needs to fix them.
    """
    path = osp.join(out_dir, FAILURES_NAME)
    if not osp.isfile(path):
        return ''
    return f' Why images failed to annotate is listed in {path}.'


def calibrate_zero_shot(
        source: str,
        out_dir: str,
        threshold: Optional[ThresholdSpec] = None,
        classes: Union[None, str, Sequence[str]] = None,
        templates: Optional[Sequence[str]] = None,
        class_prompts: Optional[Mapping[str, Sequence[str]]] = None,
        background_names: Optional[Sequence[str]] = None,
        unassigned_label: Optional[int] = None,
        data_root: Optional[str] = None,
        dataset_key: Optional[str] = None,
        annotate: bool = True,
        gt_dir: Optional[str] = None,
        gt_suffix: Optional[str] = None,
        ignore_index: Optional[int] = None,
        synonyms: Union[None, str, Mapping[str, Sequence[str]]] = None,
        candidate_templates: Optional[Sequence[str]] = None,
        prompt_search: Optional[bool] = None,
        per_class: Optional[bool] = None,
        folds: Optional[int] = None,
        seed: Optional[int] = None,
        rounds: Optional[int] = None,
        max_candidates: Optional[int] = None,
        min_gain: Optional[float] = None,
        work_dir: Optional[str] = None,
        device: Optional[str] = None,
        progress: bool = True,
        **model_options: Any
) -> Optional[Tuple[CalibrationResult, Dict[str, Any]]]:
    """Annotate the labelled split (or reuse its cache) and calibrate.

    Args:
        source (str): The labelled images: mmseg config, split file (with
            ground truth in its second column) or folder (with ``gt_dir``).
        out_dir (str): Annotation directory (shared cache, resumable).
        threshold (float | Mapping, optional): Threshold of the annotation
            run: the 'before' settings. Required when annotating.
        classes, templates, class_prompts, background_names,
            unassigned_label, data_root, dataset_key: As
            :func:`~mmseg_zsl.apis.engine.annotate` (zero-shot mode).
        annotate (bool): Annotate missing images first (False: use the cache
            of ``out_dir`` as it is). Defaults to True.
        gt_dir (str, optional): Directory of ``<stem><gt_suffix>`` ground
            truth (default: the split file's second column or the config's
            ``seg_map_path``).
        gt_suffix (str, optional): Defaults to '.png'.
        ignore_index (int, optional): Ground-truth label to ignore.
            Defaults to 255.
        synonyms (str | Mapping, optional): Synonym file (``class: a, b``)
            or mapping class name -> synonyms.
        candidate_templates (Sequence[str], optional): Templates to try.
            Defaults to :data:`~mmseg_zsl.calibration.CANDIDATE_TEMPLATES`.
        prompt_search, per_class, rounds, max_candidates, min_gain:
            :class:`~mmseg_zsl.calibration.SearchOptions`.
        folds (int, optional): Cross-validation folds. Defaults to 5.
        seed (int, optional): Fold seed. Defaults to 0.
        work_dir (str, optional): Where settings.json and report.json go.
            Defaults to ``<out_dir>/calibration``.
        device (str, optional): Defaults to this rank's GPU, else CPU.
        progress (bool): Show progress bars.
        **model_options: :func:`~mmseg_zsl.apis.modes.zero_shot.
            build_zero_shot_models` arguments (annotation; ``clip_pretrained``
            and ``clip_cache_dir`` also serve the text tower).

    Returns:
        tuple[CalibrationResult, dict] | None: The result and the report
        (None on ranks other than 0 of a distributed annotation).
    """
    dist = DistInfo.from_env()
    device = device or dist.default_device()
    images = list_images(source, data_root, dataset_key
                         or DEFAULT_DATASET_KEY)
    stems = check_unique_stems(images.paths)
    if annotate:
        if threshold is None:
            raise ValueError(
                'Annotating the labelled images needs the threshold of that '
                'run (--threshold), e.g. your current guess: it gives the '
                "'before' numbers. To calibrate an existing annotation "
                'directory as it is, skip annotation (--skip-annotation).')
        try:
            annotate_images(
                source,
                out_dir,
                threshold=threshold,
                classes=classes,
                templates=templates,
                class_prompts=class_prompts,
                background_names=background_names,
                unassigned_label=unassigned_label,
                data_root=data_root,
                dataset_key=dataset_key,
                device=device,
                progress=progress,
                **model_options)
        except ValueError as error:
            if read_manifest(out_dir) is None:
                raise
            raise ValueError(
                f'{error} To calibrate the cache of {out_dir} as it is (its '
                "manifest's labels give the 'before' numbers), skip "
                'annotation (--skip-annotation).') from error
        if dist.rank != 0:
            return None
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(
            f'{out_dir} has no manifest.json: annotate the labelled images '
            'first (drop --skip-annotation).')
    if manifest.get('annotator') != 'zero-shot':
        raise ValueError(f"{out_dir} was made by the "
                         f"{manifest.get('annotator')!r} annotator; "
                         'calibration tunes the zero-shot one.')
    base = BaseLabels.from_manifest_labels(manifest['labels'])
    cache_files = {s: output_paths(out_dir, s)[1] for s in stems}
    missing = [s for s in stems if not osp.isfile(cache_files[s])]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} of {len(stems)} labelled images are not in the '
            f'cache of {out_dir} (e.g. {missing[0]}); annotate them first.'
            + _failures_hint(out_dir))
    gt_files, reduce_zero_label = ground_truth_paths(
        stems, source, gt_dir, gt_suffix, data_root, dataset_key
        or DEFAULT_DATASET_KEY)
    ignore_index = DEFAULT_IGNORE_INDEX if ignore_index is None \
        else ignore_index
    data = load_calibration_data(stems, cache_files, gt_files,
                                 len(base.classes), ignore_index,
                                 reduce_zero_label, progress)
    encoder = build_text_encoder(manifest['models'],
                                 manifest.get('random_init'), device,
                                 model_options.get('clip_pretrained'),
                                 model_options.get('clip_cache_dir'))
    if isinstance(synonyms, str):
        synonyms = read_synonyms(synonyms, base.text_class_names)
    space = PromptSpace.build(
        base.text_class_names,
        [base.display_names[i] for i in base.text_class_ids],
        base.prompts,
        encoder,
        synonyms,
        candidate_templates or CANDIDATE_TEMPLATES,
        search=True if prompt_search is None else prompt_search)
    options = SearchOptions(**drop_none(
        dict(
            prompt_search=prompt_search,
            per_class=per_class,
            rounds=rounds,
            max_candidates=max_candidates,
            min_gain=min_gain)))
    result = run_calibration(
        data, base, space, options, progress=progress,
        **drop_none(dict(folds=folds, seed=seed)))

    # The settings suit the CLIP of this cache: say which one it was.
    result.settings.calibration.update(
        models=manifest.get('models'),
        untrained_models=bool(manifest.get('untrained_models')))
    work_dir = work_dir or osp.join(out_dir, DEFAULT_WORK_DIR_NAME)
    os.makedirs(work_dir, exist_ok=True)
    settings_file = osp.join(work_dir, SETTINGS_NAME)
    report = build_report(
        result,
        base,
        annotation_dir=out_dir,
        source=images.describe(),
        num_images=len(data),
        num_masks=data.num_masks,
        untrained_models=bool(manifest.get('untrained_models')),
        options=dict(
            vars(options),
            folds=len(result.folds),
            seed=result.seed,
            ignore_index=ignore_index,
            synonyms=dict(synonyms or {}),
            candidate_templates=list(candidate_templates
                                     or CANDIDATE_TEMPLATES)),
        settings_file=settings_file)
    save_calibration_settings(result.settings, settings_file)
    atomic_write_text(
        osp.join(work_dir, REPORT_NAME),
        json.dumps(report, indent=2) + '\n')
    return result, report
