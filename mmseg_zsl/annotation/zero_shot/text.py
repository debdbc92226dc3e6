"""Class names, display names, prompts and CLIP text embeddings.

A :class:`ClassVocabulary` maps the dataset's label ids (the index of each
class name) to the prompts that describe it. Classes named in
``background_names`` ('background' by default) are not queried with text:
their pixels come only from ``unassigned_label`` (the paper labels unmatched
segments as background).
"""
import math
import os.path as osp
from dataclasses import dataclass, field
from typing import (Callable, Dict, List, Mapping, Optional, Sequence, Tuple,
                    Union)

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..base import DEFAULT_BACKGROUND_NAMES

#: The paper's prompt "a photo of a {classlabel}", written as GEM does.
DEFAULT_TEMPLATES = ('a photo of a {}.', )
#: Readable names of well-known dataset classes written as one word.
KNOWN_DISPLAY_NAMES = {
    'pottedplant': 'potted plant',
    'diningtable': 'dining table',
    'tvmonitor': 'tv monitor',
}
#: Text batches are encoded in chunks of this size to bound memory.
TEXT_BATCH_SIZE = 256

ThresholdSpec = Union[float, Mapping[str, float]]


def default_display_name(name: str) -> str:
    """Readable name of a class: known compounds split, '_' as spaces."""
    return KNOWN_DISPLAY_NAMES.get(name, name.replace('_', ' '))


def read_class_file(path: str) -> Tuple[List[str], List[str]]:
    """Read class names, one per line, optionally ``name: display name``.

    Blank lines and lines starting with '#' are skipped. The line order gives
    the label ids (first class = 0).

    Returns:
        tuple[list[str], list[str]]: Names and display names.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Class file {path!r} does not exist. Expected a text file with '
            "one class name per line, optionally 'name: display name'.")
    names, display_names, where = [], [], {}
    with open(path, encoding='utf-8') as file:
        for line_no, raw in enumerate(file, start=1):
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            name, sep, display = line.partition(':')
            name, display = name.strip(), display.strip()
            if not name or (sep and not display):
                raise ValueError(
                    f'{path}:{line_no}: expected "name" or "name: display '
                    f'name", got {line!r}.')
            if name in where:
                raise ValueError(
                    f'{path}:{line_no}: class {name!r} repeats line '
                    f'{where[name]}; class names must be unique.')
            where[name] = line_no
            names.append(name)
            display_names.append(display or default_display_name(name))
    if not names:
        raise ValueError(f'Class file {path!r} lists no class names.')
    return names, display_names


def _check_template(template: str) -> None:
    if not isinstance(template, str) or template.count('{}') != 1:
        raise ValueError(
            "A prompt template must contain '{}' exactly once (where the "
            f"class name goes), e.g. 'a photo of a {{}}.'; got {template!r}.")


@dataclass
class ClassVocabulary:
    """Dataset classes and the prompts of the classes queried with text.

    Build it with :meth:`build`.

    Attributes:
        names (list[str]): All class names; the index is the label id.
        display_names (list[str]): Names used in prompts.
        text_class_ids (list[int]): Label ids queried with text.
        prompts (list[list[str]]): Prompts of each queried class (averaged).
        templates (list[str]): Templates the prompts were made from.
    """
    names: List[str]
    display_names: List[str]
    text_class_ids: List[int]
    prompts: List[List[str]]
    templates: List[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        names: Sequence[str],
        display_names: Optional[Sequence[str]] = None,
        templates: Sequence[str] = DEFAULT_TEMPLATES,
        class_prompts: Optional[Mapping[str, Sequence[str]]] = None,
        background_names: Sequence[str] = DEFAULT_BACKGROUND_NAMES
    ) -> 'ClassVocabulary':
        """Make the prompts of every class.

        Args:
            names (Sequence[str]): Class names in label-id order.
            display_names (Sequence[str], optional): Names for prompts.
                Defaults to :func:`default_display_name` of each name.
            templates (Sequence[str]): Templates with one ``{}``; the class
                embedding is the mean of their normalised embeddings.
                Defaults to ``('a photo of a {}.',)``.
            class_prompts (Mapping[str, Sequence[str]], optional): Full
                prompts for some classes, replacing the templates for them
                (e.g. synonyms chosen by calibration).
            background_names (Sequence[str]): Classes not queried with text.
                Defaults to ``('background',)``.
        """
        names = [str(name) for name in names]
        if not names:
            raise ValueError('The class list is empty.')
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f'Class names must be unique; {duplicates} '
                             'appear more than once.')
        if len(names) > 255:
            raise ValueError(
                f'{len(names)} classes do not fit a uint8 label map with '
                '255 as ignore; at most 255 classes are supported.')
        if display_names is None:
            display_names = [default_display_name(n) for n in names]
        display_names = [str(d) for d in display_names]
        if len(display_names) != len(names):
            raise ValueError(
                f'Got {len(display_names)} display names for {len(names)} '
                'classes; give one per class.')
        templates = list(templates)
        if not templates:
            raise ValueError('At least one prompt template is needed.')
        for template in templates:
            _check_template(template)
        class_prompts = dict(class_prompts or {})
        unknown = sorted(set(class_prompts) - set(names))
        if unknown:
            raise ValueError(
                f'class_prompts names unknown classes {unknown}; known '
                f'classes: {names}.')
        text_class_ids, prompts = [], []
        for label_id, (name, display) in enumerate(zip(names, display_names)):
            if name in background_names:
                continue
            if name in class_prompts:
                class_texts = [str(p) for p in class_prompts[name]]
                if not class_texts:
                    raise ValueError(f'class_prompts[{name!r}] is empty.')
            else:
                class_texts = [t.format(display) for t in templates]
            text_class_ids.append(label_id)
            prompts.append(class_texts)
        if not text_class_ids:
            raise ValueError(
                f'No class is left to query with text: all of {names} are '
                f'background names {list(background_names)}.')
        return cls(names, display_names, text_class_ids, prompts, templates)

    def thresholds(self, threshold: ThresholdSpec) -> Tensor:
        """Per text-class similarity thresholds ``(C_text,)``.

        Args:
            threshold (float | Mapping[str, float]): One threshold, or a
                mapping class name -> threshold with an optional 'default'
                for the classes it does not name.
        """
        count = len(self.text_class_ids)
        if isinstance(threshold, Mapping):
            queried = [self.names[i] for i in self.text_class_ids]
            unknown = sorted(set(threshold) - set(queried) - {'default'})
            if unknown:
                raise ValueError(
                    f'Thresholds given for unknown or background classes '
                    f'{unknown}; classes queried with text: {queried}.')
            default = threshold.get('default')
            missing = [n for n in queried if n not in threshold]
            if missing and default is None:
                raise ValueError(
                    f'No threshold for classes {missing}: name them or add '
                    "a 'default' entry.")
            values = [float(threshold.get(n, default)) for n in queried]
        elif isinstance(threshold, bool) or not isinstance(
                threshold, (int, float)):
            raise TypeError('threshold must be a number or a mapping class '
                            f'name -> number; got {threshold!r}.')
        else:
            values = [float(threshold)] * count
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f'thresholds must be finite numbers (a cosine '
                             f'similarity, e.g. 0.2); got {threshold!r}.')
        return torch.tensor(values, dtype=torch.float32)

    def to_dict(self) -> Dict:
        return dict(
            classes=self.names,
            display_names=self.display_names,
            text_class_ids=self.text_class_ids,
            prompts=self.prompts,
            templates=self.templates)


def default_tokenizer(model: nn.Module) -> Callable[[List[str]], Tensor]:
    """open_clip's CLIP BPE tokenizer with the model's context length."""
    from open_clip.tokenizer import SimpleTokenizer
    return SimpleTokenizer(context_length=model.context_length)


@torch.no_grad()
def encode_texts(model: nn.Module, tokenizer: Callable[[List[str]], Tensor],
                 texts: Sequence[str]) -> Tensor:
    """L2-normalised CLIP text embeddings ``(N, D)`` (float32).

    Only the model's text tower runs, so a model whose ``visual`` was dropped
    works too.
    """
    if isinstance(texts, str):
        raise TypeError('Expected a list of strings, got a single string; '
                        'wrap it in a list.')
    if len(texts) == 0:
        raise ValueError('No texts to encode.')
    device = next(model.parameters()).device
    outputs = []
    for start in range(0, len(texts), TEXT_BATCH_SIZE):
        tokens = tokenizer(list(texts[start:start + TEXT_BATCH_SIZE]))
        embeds = model.encode_text(tokens.to(device))
        outputs.append(F.normalize(embeds.float(), dim=-1))
    return torch.cat(outputs)


def encode_class_prompts(encode: Callable[[List[str]], Tensor],
                         prompts: Sequence[Sequence[str]]) -> Tensor:
    """One embedding per class: mean of its normalised prompt embeddings.

    Args:
        encode (Callable): List of strings -> ``(N, D)`` normalised.
        prompts (Sequence[Sequence[str]]): Prompts of each class.

    Returns:
        Tensor: ``(C, D)`` L2-normalised, float32, on the CPU.
    """
    flat = [text for class_texts in prompts for text in class_texts]
    embeds = encode(flat).float().cpu()
    counts = torch.tensor([len(class_texts) for class_texts in prompts])
    owner = torch.repeat_interleave(torch.arange(len(prompts)), counts)
    sums = torch.zeros(len(prompts), embeds.shape[1]).index_add_(
        0, owner, embeds)
    return F.normalize(sums / counts[:, None], dim=-1)


class CLIPTextEncoder:
    """Text side of an open_clip model: list of strings -> ``(N, D)``.

    Args:
        model (nn.Module): An open_clip CLIP (its visual tower may be absent).
        tokenizer (Callable, optional): Defaults to :func:`default_tokenizer`.
    """

    def __init__(self,
                 model: nn.Module,
                 tokenizer: Optional[Callable[[List[str]], Tensor]] = None):
        self.model = model
        self.tokenizer = tokenizer or default_tokenizer(model)

    def __call__(self, texts: Sequence[str]) -> Tensor:
        return encode_texts(self.model, self.tokenizer, texts)
