"""The calibration procedure: fit, cross-validate, choose, report.

Every number reported is computed the way ``--relabel`` labels (prompts
encoded per vocabulary, :func:`~.evaluation.evaluate_exact`), so writing the
chosen settings and relabelling reproduces them. The choice among the
stages (``default`` = the labelling run's own settings, then the fitted
``global``, ``prompts``, ``per_class``; see :mod:`.fitting`) is the best
cross-validated mIoU, ties going to the simpler stage: per-class thresholds
(or prompts) that do not beat the global threshold on held-out images are
dropped. Without cross-validation (fewer than 2 images or folds) the
training mIoU decides, with the same ties rule.
"""
import sys
from dataclasses import dataclass, field
from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import numpy as np
from torch import Tensor
from tqdm import tqdm

from mmseg_zsl.annotation.zero_shot.text import (ClassVocabulary,
                                                 encode_class_prompts)
from .calibration_data import CalibrationData
from .evaluation import evaluate_exact
from .fitting import STAGES, LabelState, SearchOptions, fit_stages
from .metrics import IoUAreas
from .prompts import PromptSpace
from .settings import CalibrationSettings

ThresholdSpec = Union[float, Dict[str, float]]
#: The labelling run's own settings, before calibration.
DEFAULT_STAGE = 'default'


@dataclass
class BaseLabels:
    """How the cache was labelled (the manifest's ``labels`` entry)."""
    classes: List[str]
    display_names: List[str]
    text_class_ids: List[int]
    prompts: List[List[str]]
    templates: List[str]
    threshold: ThresholdSpec
    unassigned_label: int

    @classmethod
    def from_manifest_labels(cls, labels: Mapping[str, Any]) -> 'BaseLabels':
        try:
            return cls(
                classes=list(labels['classes']),
                display_names=list(labels['display_names']),
                text_class_ids=[int(i) for i in labels['text_class_ids']],
                prompts=[list(p) for p in labels['prompts']],
                templates=list(labels.get('templates') or []),
                threshold=labels['threshold'],
                unassigned_label=int(labels['unassigned_label']))
        except KeyError as error:
            raise ValueError(
                f'The manifest labels lack {error}; this annotation was not '
                'made by the zero-shot annotator of this version.') from error

    @property
    def text_class_names(self) -> List[str]:
        return [self.classes[i] for i in self.text_class_ids]

    @property
    def background_names(self) -> List[str]:
        queried = set(self.text_class_ids)
        return [n for i, n in enumerate(self.classes) if i not in queried]

    def vocabulary(self, prompts: Sequence[Sequence[str]]) -> ClassVocabulary:
        return ClassVocabulary.build(
            self.classes,
            self.display_names,
            templates=self.templates or ['a photo of a {}.'],
            class_prompts=dict(zip(self.text_class_names, prompts)),
            background_names=self.background_names)

    def settings(self, prompts: Sequence[Sequence[str]],
                 threshold: ThresholdSpec,
                 calibration: Dict[str, Any]) -> CalibrationSettings:
        return CalibrationSettings(
            classes=list(self.classes),
            display_names=list(self.display_names),
            background_names=self.background_names,
            templates=list(self.templates or ['a photo of a {}.']),
            class_prompts={
                name: list(p)
                for name, p in zip(self.text_class_names, prompts)
            },
            threshold=threshold,
            unassigned_label=self.unassigned_label,
            calibration=calibration)


class ExactScorer:
    """IoU areas of settings as ``--relabel`` would label (text cached)."""

    def __init__(self, base: BaseLabels,
                 encode: Callable[[List[str]], Tensor]) -> None:
        self.base = base
        self.encode = encode
        self._texts: Dict[Tuple, Tensor] = {}

    def __call__(self, data: CalibrationData,
                 prompts: Sequence[Sequence[str]],
                 threshold: ThresholdSpec) -> IoUAreas:
        vocabulary = self.base.vocabulary(prompts)
        key = tuple(tuple(p) for p in vocabulary.prompts)
        if key not in self._texts:
            self._texts[key] = encode_class_prompts(self.encode,
                                                    vocabulary.prompts)
        return evaluate_exact(data, self._texts[key],
                              vocabulary.thresholds(threshold),
                              vocabulary.text_class_ids,
                              self.base.unassigned_label)


def fold_indices(num_images: int, folds: int,
                 seed: int) -> List[np.ndarray]:
    """Image indices of each fold: a seeded shuffle cut into near-equal
    parts (sorted within a fold)."""
    order = np.random.default_rng(seed).permutation(num_images)
    return [np.sort(part) for part in np.array_split(order, folds)]


@dataclass
class StageOutcome:
    """One candidate setting: what it is and how it scores."""
    name: str
    prompts: List[List[str]]
    prompt_names: List[str]
    threshold: ThresholdSpec
    areas: IoUAreas
    cv_areas: Optional[IoUAreas] = None

    @property
    def miou(self) -> float:
        return self.areas.miou()

    @property
    def cv_miou(self) -> Optional[float]:
        return None if self.cv_areas is None else self.cv_areas.miou()


@dataclass
class CalibrationResult:
    """Stages, the chosen one, and its settings."""
    stages: Dict[str, StageOutcome]
    chosen: str
    settings: CalibrationSettings
    folds: List[List[str]] = field(default_factory=list)
    seed: int = 0

    @property
    def before(self) -> StageOutcome:
        return self.stages[DEFAULT_STAGE]

    @property
    def after(self) -> StageOutcome:
        return self.stages[self.chosen]


def _outcome(name: str, state: Optional[LabelState], space: PromptSpace,
             base: BaseLabels, scorer: ExactScorer,
             data: CalibrationData) -> StageOutcome:
    if state is None:  # the labelling run's own settings
        prompts, threshold = base.prompts, base.threshold
        names = ['default'] * len(prompts)
    else:
        prompts = space.prompts(state.choice)
        names = space.names(state.choice)
        threshold = state.threshold_spec(base.text_class_names)
    return StageOutcome(name, prompts, names, threshold,
                        scorer(data, prompts, threshold))


def choose_stage(stages: Mapping[str, StageOutcome]) -> str:
    """Best cross-validated (else training) mIoU; ties: the simpler stage."""
    use_cv = all(s.cv_areas is not None for s in stages.values())
    best_name, best = None, -np.inf
    for name, stage in stages.items():  # simplest first
        value = stage.cv_miou if use_cv else stage.miou
        value = -np.inf if value is None or np.isnan(value) else value
        if best_name is None or value > best:
            best_name, best = name, value
    return best_name


def run_calibration(data: CalibrationData,
                    base: BaseLabels,
                    space: PromptSpace,
                    options: Optional[SearchOptions] = None,
                    folds: int = 5,
                    seed: int = 0,
                    progress: bool = True) -> CalibrationResult:
    """Calibrate on ``data`` (see the module docstring).

    Args:
        data (CalibrationData): Atoms of the labelled images.
        base (BaseLabels): The labelling run's settings.
        space (PromptSpace): Prompt candidates (index 0 = ``base.prompts``).
        options (SearchOptions, optional): What to search.
        folds (int): Cross-validation folds (at most one per image; fewer
            than 2 disables cross-validation). Defaults to 5.
        seed (int): Seed of the fold assignment. Defaults to 0.
        progress (bool): Show a progress bar. Defaults to True.
    """
    options = options or SearchOptions()
    if len(data) == 0:
        raise ValueError('No labelled image to calibrate on.')
    scorer = ExactScorer(base, space.encode)
    num_folds = min(int(folds), len(data))
    parts = fold_indices(len(data), num_folds, seed) \
        if num_folds >= 2 else []
    ids = base.text_class_ids
    with tqdm(
            total=len(parts) + 1,
            desc='calibrate',
            unit='fit',
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True) as bar:
        fitted = fit_stages(data, space, ids, base.unassigned_label, options)
        bar.update()
        stages = {DEFAULT_STAGE: _outcome(DEFAULT_STAGE, None, space, base,
                                          scorer, data)}
        for name in STAGES:
            if name in fitted:
                stages[name] = _outcome(name, fitted[name], space, base,
                                        scorer, data)
        if parts:
            for stage in stages.values():
                stage.cv_areas = IoUAreas.zeros(data.num_classes)
            # Not fitted: its held-out areas are its areas.
            stages[DEFAULT_STAGE].cv_areas = stages[DEFAULT_STAGE].areas
            for held in parts:
                train = np.setdiff1d(np.arange(len(data)), held)
                fold_fit = fit_stages(
                    data.subset(train), space, ids, base.unassigned_label,
                    options)
                held_data = data.subset(held)
                for name, state in fold_fit.items():
                    outcome = _outcome(name, state, space, base, scorer,
                                       held_data)
                    stages[name].cv_areas += outcome.areas
                bar.update()
    chosen = choose_stage(stages)
    result = CalibrationResult(
        stages, chosen, None,
        [[data.stems[i] for i in part] for part in parts], seed)
    result.settings = base.settings(stages[chosen].prompts,
                                    stages[chosen].threshold,
                                    summary(result, base, len(data)))
    return result


def summary(result: CalibrationResult, base: BaseLabels,
            num_images: int) -> Dict[str, Any]:
    """The settings file's ``calibration`` entry."""
    return dict(
        chosen=result.chosen,
        mIoU_before=_num(result.before.miou),
        mIoU_after=_num(result.after.miou),
        mIoU_cv=_num(result.after.cv_miou),
        mIoU_cv_before=_num(result.before.cv_miou),
        num_images=num_images,
        folds=len(result.folds),
        threshold_before=base.threshold)


def _num(value: Optional[float]) -> Optional[float]:
    if value is None or np.isnan(value):
        return None
    return float(value)
