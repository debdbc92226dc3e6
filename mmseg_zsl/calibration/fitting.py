"""Fitting labelling settings on a set of labelled images, in stages.

1. ``global``: one threshold for all classes, the labelling run's prompts
   (exhaustive search, :func:`.search_global_threshold`).
2. ``prompts``: coordinate ascent over classes: for each class, each prompt
   candidate is tried with the others held, each with its own best global
   threshold (searched jointly); a candidate replaces the current one only if
   it raises mIoU by more than ``min_gain``. Repeated for ``rounds`` passes
   or until a pass changes nothing.
3. ``per_class``: coordinate ascent over the classes' own thresholds,
   starting from the global one: for each class, its threshold is searched
   exhaustively with the others held, and kept at its current value unless
   another beats it by more than ``min_gain`` (a class whose own threshold
   does not beat the global one keeps the global one). Same passes.

Each stage starts from the previous one, so its training mIoU is never
lower; whether it generalises is what cross-validation decides.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch.nn.functional as F

from .calibration_data import CalibrationData
from .evaluation import best_of, text_scores
from .prompts import PromptSpace
from .threshold_search import search_class_threshold, search_global_threshold

#: Stage names, simplest first.
STAGES = ('global', 'prompts', 'per_class')


@dataclass
class SearchOptions:
    """What the fit searches.

    Args:
        prompt_search (bool): Choose prompts per class. Defaults to True.
        per_class (bool): Search per-class thresholds. Defaults to True.
        rounds (int): Coordinate-ascent passes at most. Defaults to 2.
        max_candidates (int): Thresholds tried per search at most (beyond,
            thresholds at evenly spaced similarity ranks). Defaults to 20000.
        min_gain (float): mIoU points a change must gain. Defaults to 0.0
            (any strict gain).
    """
    prompt_search: bool = True
    per_class: bool = True
    rounds: int = 2
    max_candidates: int = 20000
    min_gain: float = 0.0

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise ValueError(f'rounds must be >= 1, got {self.rounds}.')
        if self.max_candidates < 2:
            raise ValueError('max_candidates must be >= 2, got '
                             f'{self.max_candidates}.')
        if self.min_gain < 0:
            raise ValueError(f'min_gain must be >= 0, got {self.min_gain}.')


@dataclass
class LabelState:
    """Prompt choice and thresholds of a stage.

    Attributes:
        choice (list[int]): Candidate index per text class.
        global_threshold (float): The shared threshold.
        thresholds (np.ndarray): ``(C_text,)`` per text class (float32
            values); equal to ``global_threshold`` unless ``per_class``.
        per_class (bool): Whether classes have their own thresholds.
        train_miou (float): mIoU % on the fitting images (search side).
    """
    choice: List[int]
    global_threshold: float
    thresholds: np.ndarray = field(repr=False)
    per_class: bool = False
    train_miou: float = float('nan')

    def threshold_spec(self, class_names: Sequence[str]
                       ) -> Union[float, Dict[str, float]]:
        """``--threshold`` form: a number, or ``{'default': t, name: t}``."""
        differing = {
            name: float(value)
            for name, value in zip(class_names, self.thresholds)
            if float(value) != self.global_threshold
        }
        if not self.per_class or not differing:
            return float(self.global_threshold)
        return {'default': float(self.global_threshold), **differing}


def _better(new: float, old: float, min_gain: float) -> bool:
    if np.isnan(new):
        return False
    return np.isnan(old) or new > old + min_gain


def fit_stages(data: CalibrationData,
               space: PromptSpace,
               text_class_ids: Sequence[int],
               unassigned_label: int,
               options: Optional[SearchOptions] = None
               ) -> Dict[str, LabelState]:
    """Fit the stages of the module docstring on ``data``.

    Returns:
        dict[str, LabelState]: ``global``, then ``prompts`` (when prompts are
        searched and some class has candidates) and ``per_class`` (when
        enabled), each building on the previous one.
    """
    options = options or SearchOptions()
    ids = np.asarray(text_class_ids, dtype=np.int64)
    num_text = space.num_classes
    choice = space.default_choice()
    scores = text_scores(data, space.text_embeddings(choice))
    text_index, best = best_of(scores)
    current = search_global_threshold(data, ids[text_index], best,
                                      unassigned_label,
                                      options.max_candidates)

    def state(per_class=False, thresholds=None, miou=None) -> LabelState:
        values = np.full(num_text, current.threshold) \
            if thresholds is None else thresholds.copy()
        return LabelState(
            list(choice), current.threshold, values, per_class,
            current.miou if miou is None else miou)

    stages = {'global': state()}

    searchable = any(len(c) > 1 for c in space.candidates)
    if options.prompt_search and searchable:
        embeddings = data.normalised_embeddings()
        for _ in range(options.rounds):
            changed = False
            for c in range(num_text):
                for j in range(len(space.candidates[c])):
                    if j == choice[c] or data.num_masks == 0:
                        continue
                    trial = scores.copy()
                    trial[:, c] = embeddings @ F.normalize(
                        space.embeddings[c][j].float(), dim=-1).numpy()
                    trial_index, trial_best = best_of(trial)
                    result = search_global_threshold(
                        data, ids[trial_index], trial_best,
                        unassigned_label, options.max_candidates)
                    if _better(result.miou, current.miou, options.min_gain):
                        choice[c], scores, current = j, trial, result
                        changed = True
            if not changed:
                break
        stages['prompts'] = state()

    if options.per_class:
        text_index, best = best_of(scores)
        labels = ids[text_index]
        thresholds = np.full(num_text, current.threshold)
        miou = current.miou
        for _ in range(options.rounds):
            changed = False
            for c in range(num_text):
                result = search_class_threshold(data, labels, text_index,
                                                best, c, thresholds,
                                                unassigned_label,
                                                options.max_candidates,
                                                options.min_gain)
                if result.changed:
                    thresholds[c], miou = result.threshold, result.miou
                    changed = True
            if not changed:
                break
        stages['per_class'] = state(True, thresholds, miou)
    return stages
