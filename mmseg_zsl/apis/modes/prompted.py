"""SAM prompted by weak annotations: ``boxes``, ``points``, ``scribbles``.

Images without an entry in the prompt source are found before the run (a
cheap look-up) and left out and reported, or stop the run, as asked.
"""
import os
import os.path as osp
import re
from typing import Any, Dict, Optional, Sequence

from mmseg_zsl.annotation.base import DEFAULT_UNASSIGNED_LABEL
from mmseg_zsl.annotation.prompted.prompt_sources import (PROMPT_KINDS,
                                                          PROMPT_SOURCES,
                                                          ClassIndex,
                                                          MissingPromptsError)
from mmseg_zsl.annotation.sam import build_run_sam
from mmseg_zsl.utils.options import drop_none
from ..classes import resolve_class_names
from ..inputs import ImageSource
from .base import AnnotationMode, Labeler, ModeSetup

#: Options of the prompt sources, by format.
SOURCE_OPTIONS = {
    'voc-xml': ('skip_difficult', ),
    'coco-json': ('include_crowd', ),
    'prompt-json': (),
}
#: Options of the annotators, by prompt kind.
ANNOTATOR_OPTIONS = {
    'boxes': ('mask_choice', 'boxes_per_batch'),
    'points': ('mask_choice', 'negative_points', 'iterative',
               'points_per_round', 'background_names'),
    'scribbles': ('mask_choice', 'scribble_ratio', 'seed', 'negative_points',
                  'iterative', 'points_per_round', 'background_names'),
}
_ANNOTATOR_OPTION_NAMES = tuple(
    sorted({name
            for names in ANNOTATOR_OPTIONS.values()
            for name in names}))
#: What to do with images that have no prompts.
ON_MISSING_CHOICES = ('skip', 'error')


def guess_prompt_format(path: str) -> str:
    """'voc-xml' (a folder of .xml), 'coco-json' or 'prompt-json'."""
    if osp.isdir(path):
        names = os.listdir(path)
        if any(n.endswith('.xml') for n in names):
            return 'voc-xml'
        return 'prompt-json'
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Prompt file {path!r} does not exist: pass a VOC Annotations '
            'folder, a COCO instance JSON or prompt JSON (--prompt-file).')
    with open(path, encoding='utf-8', errors='replace') as file:
        head = file.read(1 << 16)
    # COCO's "images" is a list; the prompt JSON's is an object.
    return 'coco-json' if re.search(r'"images"\s*:\s*\[', head) \
        else 'prompt-json'


def build_prompt_source(path: str,
                        class_names: Sequence[str],
                        prompt_format: Optional[str] = None,
                        **options: Any):
    """The :class:`PromptSource` of ``path`` (format guessed if None)."""
    prompt_format = prompt_format or guess_prompt_format(path)
    if prompt_format not in PROMPT_SOURCES:
        raise ValueError(f'Prompt format must be one of '
                         f'{sorted(PROMPT_SOURCES)}, got {prompt_format!r}.')
    options = drop_none(options)
    unknown = sorted(set(options) - set(SOURCE_OPTIONS[prompt_format]))
    if unknown:
        raise ValueError(f'{unknown} do not apply to {prompt_format} '
                         'prompts.')
    return PROMPT_SOURCES[prompt_format](path, ClassIndex(class_names),
                                         **options)


class PromptedMode(AnnotationMode):
    """``boxes``, ``points`` or ``scribbles`` from a prompt file.

    Options: ``prompt_file`` (required: a VOC ``Annotations`` folder, a COCO
    instance JSON, or prompt JSON), ``prompt_format`` (guessed if None),
    ``classes`` (default: the dataset's), ``unassigned_label``, the SAM
    (``sam_model_type``, ``sam_checkpoint``, ``random_init``, ``precision``,
    ``compile``), the source's
    ``skip_difficult`` (VOC) or ``include_crowd`` (COCO), the annotator's
    options of :data:`ANNOTATOR_OPTIONS`, and ``on_missing`` ('skip':
    images without prompts are counted as failed; 'error': stop).
    """
    kinds = PROMPT_KINDS
    options = ('prompt_file', 'prompt_format', 'classes', 'unassigned_label',
               'sam_model_type', 'sam_checkpoint', 'random_init', 'precision',
               'compile', 'skip_difficult', 'include_crowd',
               'on_missing') + _ANNOTATOR_OPTION_NAMES

    def build(self, kind: str, images: ImageSource, device: str,
              **options: Any) -> ModeSetup:
        from mmseg_zsl.annotation.prompted import (BoxPromptAnnotator,
                                                   PointPromptAnnotator,
                                                   PromptedLabeler)
        self.check_options(options)
        if kind not in PROMPT_KINDS:
            raise ValueError(f'prompts must be one of {PROMPT_KINDS}, got '
                             f'{kind!r}.')
        annotator_options = {
            k: v
            for k, v in options.items() if k in _ANNOTATOR_OPTION_NAMES
        }
        unknown = sorted(set(annotator_options) - set(ANNOTATOR_OPTIONS[kind]))
        if unknown:
            raise ValueError(f'{unknown} do not apply to {kind} prompts.')
        on_missing = options.get('on_missing') or 'skip'
        if on_missing not in ON_MISSING_CHOICES:
            raise ValueError(f'on_missing must be one of '
                             f'{ON_MISSING_CHOICES}, got {on_missing!r}.')
        if not options.get('prompt_file'):
            raise ValueError(f'--prompts {kind} needs --prompt-file '
                             '(option prompt_file).')
        names, _ = resolve_class_names(options.get('classes'), images.classes)
        source = build_prompt_source(
            options['prompt_file'], names, options.get('prompt_format'),
            skip_difficult=options.get('skip_difficult'),
            include_crowd=options.get('include_crowd'))
        unassigned = options.get('unassigned_label')
        labeler = PromptedLabeler(
            names,
            DEFAULT_UNASSIGNED_LABEL if unassigned is None else unassigned,
            **drop_none(
                dict(background_names=options.get('background_names'))))
        sam, sam_record = build_run_sam(
            options.get('sam_model_type'), options.get('sam_checkpoint'),
            options.get('random_init'), device, options.get('precision'),
            options.get('compile'))
        if kind == 'boxes':
            annotator = BoxPromptAnnotator(sam, source, **annotator_options)
        else:
            annotator = PointPromptAnnotator(sam, source, kind,
                                             **annotator_options)
        missing = [p for p in images.paths if not annotator.has_prompts(p)]
        if missing and on_missing == 'error':
            raise MissingPromptsError(
                f'{len(missing)} of {len(images.paths)} images have no '
                f'prompts in {source.path} ({source.format}), e.g. '
                f'{missing[0]}. Add their annotations, or skip them '
                '(--on-missing-prompts skip).')
        reason = f'no prompts in {source.path} ({source.format})'
        return ModeSetup(
            annotator,
            labeler,
            dict(
                annotator=annotator.kind,
                models=dict(sam=sam_record),
                annotator_settings=annotator.settings(),
                labels=labeler.settings(),
                random_init=options.get('random_init')),
            excluded=[(path, reason) for path in missing])

    def relabeler(self, manifest: Dict[str, Any], images: ImageSource,
                  device: str, **options: Any) -> Labeler:
        """Only the unassigned label can change: the classes are those of
        the prompts."""
        from mmseg_zsl.annotation.prompted import PromptedLabeler
        self.check_options(options)
        labels = manifest['labels']
        unassigned = options.get('unassigned_label')
        return PromptedLabeler(
            labels['classes'], labels['unassigned_label']
            if unassigned is None else unassigned,
            labels['background_names'])
