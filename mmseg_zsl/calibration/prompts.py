"""Prompt candidates of each class: templates x (display name + synonyms).

Synonym file, one class a line (``#`` comments and blank lines skipped)::

    pottedplant: potted plant, house plant, flower pot
    tvmonitor: television, computer monitor

The name before ':' is a class name as in the class list (not its display
name); every synonym is tried in place of the display name.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from mmseg_zsl.annotation.zero_shot.text import encode_class_prompts

#: Templates tried by default: the paper's prompt and common CLIP variants
#: (from the ImageNet prompt set of the CLIP paper).
CANDIDATE_TEMPLATES = (
    'a photo of a {}.',
    'a photo of the {}.',
    'a photo of a small {}.',
    'a photo of a large {}.',
    'a cropped photo of a {}.',
    'a close-up photo of a {}.',
    'there is a {} in the scene.',
)
#: Name of the candidate made of the prompts the cache was labelled with.
DEFAULT_CANDIDATE = 'default'


def read_synonyms(path: str,
                  known: Optional[Sequence[str]] = None
                  ) -> Dict[str, List[str]]:
    """Read a synonym file (format in the module docstring).

    Args:
        path (str): The file.
        known (Sequence[str], optional): Class names the file may name.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Synonym file {path!r} does not exist. Expected lines '
            "'class: synonym1, synonym2'.")
    synonyms: Dict[str, List[str]] = {}
    with open(path, encoding='utf-8') as file:
        for line_no, raw in enumerate(file, start=1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            name, sep, rest = line.partition(':')
            name = name.strip()
            words = [w.strip() for w in rest.split(',') if w.strip()]
            if not sep or not name or not words:
                raise ValueError(
                    f"{path}:{line_no}: expected 'class: synonym1, "
                    f"synonym2', got {line!r}.")
            if name in synonyms:
                raise ValueError(f'{path}:{line_no}: class {name!r} is '
                                 'listed twice; put all its synonyms on one '
                                 'line.')
            if known is not None and name not in known:
                raise ValueError(
                    f'{path}:{line_no}: {name!r} is not a class queried with '
                    f'text; those are {list(known)}.')
            synonyms[name] = list(dict.fromkeys(words))
    return synonyms


@dataclass
class PromptCandidate:
    """Prompts describing one class (their embeddings are averaged).

    Attributes:
        name (str): What the candidate is ('default', a prompt, or
            '<name>: all templates').
        prompts (list[str]): The prompts.
    """
    name: str
    prompts: List[str]


def class_candidates(display_name: str, default_prompts: Sequence[str],
                     synonyms: Sequence[str],
                     templates: Sequence[str]) -> List[PromptCandidate]:
    """Candidates of a class, the labelling run's prompts first.

    For the display name and each synonym: each template alone and, with
    several templates, all of them averaged. Duplicates (same prompts) are
    dropped.
    """
    candidates = [PromptCandidate(DEFAULT_CANDIDATE, list(default_prompts))]
    for name in dict.fromkeys([display_name, *synonyms]):
        if len(templates) > 1:
            candidates.append(
                PromptCandidate(f'{name}: all templates',
                                [t.format(name) for t in templates]))
        candidates.extend(
            PromptCandidate(t.format(name), [t.format(name)])
            for t in templates)
    seen, unique = set(), []
    for candidate in candidates:
        key = tuple(candidate.prompts)
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique


class PromptSpace:
    """Prompt candidates of every text class and their embeddings.

    Args:
        class_names (Sequence[str]): Names of the text classes.
        candidates (Sequence[Sequence[PromptCandidate]]): Per text class,
            its candidates; index 0 is the labelling run's prompts.
        encode (Callable): List of strings -> ``(N, D)`` normalised text
            embeddings (the CLIP text tower of the annotation run).
    """

    def __init__(self, class_names: Sequence[str],
                 candidates: Sequence[Sequence[PromptCandidate]],
                 encode: Callable[[List[str]], Tensor]) -> None:
        if len(class_names) != len(candidates):
            raise ValueError(f'{len(candidates)} candidate lists for '
                             f'{len(class_names)} classes.')
        self.class_names = list(class_names)
        self.candidates = [list(c) for c in candidates]
        self.encode = encode
        flat = [c.prompts for cands in self.candidates for c in cands]
        embeddings = encode_class_prompts(encode, flat)
        sizes = [len(cands) for cands in self.candidates]
        self.embeddings: List[Tensor] = list(torch.split(embeddings, sizes))
        unit = F.normalize(embeddings.float(), dim=-1).numpy()
        #: Per class, ``(n_c, D)`` float32 L2-normalised candidate embeddings.
        self.unit_embeddings: List[np.ndarray] = np.split(
            unit, np.cumsum(sizes)[:-1])

    @classmethod
    def build(cls,
              class_names: Sequence[str],
              display_names: Sequence[str],
              default_prompts: Sequence[Sequence[str]],
              encode: Callable[[List[str]], Tensor],
              synonyms: Optional[Mapping[str, Sequence[str]]] = None,
              templates: Sequence[str] = CANDIDATE_TEMPLATES,
              search: bool = True) -> 'PromptSpace':
        """Candidates from templates and synonyms (or only the default).

        Args:
            class_names (Sequence[str]): Text classes.
            display_names (Sequence[str]): Their display names.
            default_prompts (Sequence[Sequence[str]]): The labelling run's
                prompts of each text class.
            encode (Callable): Text encoder.
            synonyms (Mapping, optional): Class name -> other names.
            templates (Sequence[str]): Templates to try.
            search (bool): False keeps only the default prompts.
        """
        synonyms = dict(synonyms or {})
        unknown = sorted(set(synonyms) - set(class_names))
        if unknown:
            raise ValueError(
                f'Synonyms given for {unknown}, which are not queried with '
                f'text; those are {list(class_names)}.')
        for template in templates:
            if not isinstance(template, str) or template.count('{}') != 1:
                raise ValueError(
                    "A candidate template must contain '{}' once, got "
                    f'{template!r}.')
        candidates = []
        for name, display, prompts in zip(class_names, display_names,
                                          default_prompts):
            if search:
                candidates.append(
                    class_candidates(display, prompts,
                                     synonyms.get(name, ()), templates))
            else:
                candidates.append(
                    [PromptCandidate(DEFAULT_CANDIDATE, list(prompts))])
        return cls(class_names, candidates, encode)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def default_choice(self) -> List[int]:
        return [0] * self.num_classes

    def text_embeddings(self, choice: Sequence[int]) -> Tensor:
        """``(C_text, D)`` embeddings of the chosen candidates (search)."""
        return torch.stack(
            [emb[j] for emb, j in zip(self.embeddings, choice)])

    def prompts(self, choice: Sequence[int]) -> List[List[str]]:
        return [
            list(cands[j].prompts)
            for cands, j in zip(self.candidates, choice)
        ]

    def names(self, choice: Sequence[int]) -> List[str]:
        return [cands[j].name for cands, j in zip(self.candidates, choice)]
