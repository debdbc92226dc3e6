"""Fitting labelling settings on a set of labelled images, in stages.

1. ``global``: one threshold for all classes, the labelling run's prompts
   (exhaustive search over all thresholds, see :mod:`.threshold_search`).
2. ``prompts``: coordinate ascent over classes: for each class, each prompt
   candidate is scored with the other classes' prompts and the current
   global threshold held; it replaces the class's prompt only if it raises
   mIoU by more than ``min_gain``. After each pass over the classes the
   global threshold is searched again (kept unless beaten). Passes repeat
   up to ``rounds`` times, or until one changes nothing.
3. ``per_class``: coordinate ascent over the classes' own thresholds,
   starting from the global one: for each class, its threshold is searched
   exhaustively with the others held, and kept unless another beats it by
   more than ``min_gain`` (so a class whose own threshold does not beat the
   global one keeps the global one). Same passes.

Each stage starts from the previous one, so its training mIoU is never
lower; whether it generalises is what cross-validation decides. Candidates
are scored incrementally (:class:`.SearchState`): one prompt or one class
threshold only relabels the atoms its masks cover.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .calibration_data import CalibrationData
from .evaluation import text_scores
from .prompts import PromptSpace
from .search_state import SearchState

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
    num_text = space.num_classes
    choice = space.default_choice()
    search = SearchState(data, text_class_ids, unassigned_label,
                         text_scores(data, space.text_embeddings(choice)),
                         np.zeros(num_text), options.max_candidates,
                         options.min_gain)
    search.sweep_global(keep_current=False)

    def state(per_class: bool = False) -> LabelState:
        # Before the per-class stage all thresholds are the global one.
        return LabelState(
            list(choice), global_threshold, search.thresholds.copy(),
            per_class, search.miou)

    global_threshold = float(search.thresholds[0])
    stages = {'global': state()}

    searchable = any(len(c) > 1 for c in space.candidates)
    if options.prompt_search and searchable and data.num_masks:
        embeddings = data.normalised_embeddings()
        for _ in range(options.rounds):
            changed = False
            for c in range(num_text):
                columns = embeddings @ space.unit_embeddings[c].T
                for j in range(len(space.candidates[c])):
                    if j == choice[c]:
                        continue
                    if search.try_column(c, columns[:, j]):
                        choice[c] = j
                        changed = True
            changed = search.sweep_global().changed or changed
            if not changed:
                break
        global_threshold = float(search.thresholds[0])
        stages['prompts'] = state()

    if options.per_class:
        for _ in range(options.rounds):
            changed = False
            for c in range(num_text):
                changed = search.sweep_class(c).changed or changed
            if not changed:
                break
        stages['per_class'] = state(per_class=True)
    return stages
