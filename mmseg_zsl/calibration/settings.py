"""The calibrated labelling settings file (JSON, or YAML by extension).

Example (``.json``)::

    {
      "format": "mmseg_zsl.zero_shot_settings",
      "version": 1,
      "classes": ["background", "cat", "pottedplant"],
      "display_names": ["background", "cat", "potted plant"],
      "background_names": ["background"],
      "templates": ["a photo of a {}."],
      "class_prompts": {"cat": ["a photo of a kitty."],
                        "pottedplant": ["a photo of a potted plant."]},
      "threshold": {"default": 0.21, "cat": 0.24},
      "unassigned_label": 0,
      "calibration": {"mIoU_before": 41.2, "mIoU_after": 47.9,
                      "mIoU_cv": 46.5, "chosen": "per_class", ...}
    }

``threshold`` is a number or ``{"default": t, "<class>": t, ...}`` (what
``--threshold`` takes); ``class_prompts`` gives the full prompts of every
class queried with text, so the file does not depend on display names or
templates; ``calibration`` is information only.
"""
import json
import os.path as osp
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Dict, List, Mapping, Union

from mmseg_zsl.annotation.zero_shot.text import ClassVocabulary
from mmseg_zsl.utils.files import atomic_write_bytes

SETTINGS_FORMAT = 'mmseg_zsl.zero_shot_settings'
SETTINGS_VERSION = 1
_YAML_SUFFIXES = ('.yaml', '.yml')
_REQUIRED = ('classes', 'background_names', 'class_prompts', 'threshold',
             'unassigned_label')


@dataclass
class CalibrationSettings:
    """Labelling settings for ``annotate_dataset`` / ``relabel_dataset``.

    Attributes:
        classes (list[str]): Class names; the index is the label id.
        display_names (list[str]): Readable names (information; prompts are
            in ``class_prompts``).
        background_names (list[str]): Classes not queried with text.
        templates (list[str]): Templates of the labelling run.
        class_prompts (dict[str, list[str]]): Prompts of each text class.
        threshold (float | dict[str, float]): Similarity threshold(s).
        unassigned_label (int): 0 or 255.
        calibration (dict): How the settings were chosen (mIoU before, after,
            cross-validated...).
    """
    classes: List[str]
    display_names: List[str]
    background_names: List[str]
    templates: List[str]
    class_prompts: Dict[str, List[str]]
    threshold: Union[float, Dict[str, float]]
    unassigned_label: int
    calibration: Dict[str, Any] = field(default_factory=dict)

    def vocabulary(self) -> ClassVocabulary:
        """The classes and prompts, as ``annotate_dataset`` builds them."""
        return ClassVocabulary.build(
            self.classes,
            self.display_names,
            templates=self.templates,
            class_prompts=self.class_prompts,
            background_names=self.background_names)

    def annotate_options(self) -> Dict[str, Any]:
        """Keyword arguments of :func:`mmseg_zsl.apis.annotate_dataset`."""
        return dict(
            threshold=self.threshold,
            classes=list(self.classes),
            templates=list(self.templates),
            class_prompts={k: list(v)
                           for k, v in self.class_prompts.items()},
            background_names=list(self.background_names),
            unassigned_label=self.unassigned_label)

    def to_dict(self) -> Dict[str, Any]:
        return dict(
            format=SETTINGS_FORMAT,
            version=SETTINGS_VERSION,
            classes=list(self.classes),
            display_names=list(self.display_names),
            background_names=list(self.background_names),
            templates=list(self.templates),
            class_prompts={k: list(v)
                           for k, v in self.class_prompts.items()},
            threshold=self.threshold,
            unassigned_label=self.unassigned_label,
            calibration=self.calibration)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any],
                  source: str = 'settings') -> 'CalibrationSettings':
        """Validate a loaded settings mapping."""
        if not isinstance(data, Mapping):
            raise TypeError(f'{source}: expected a mapping, got '
                            f'{type(data).__name__}.')
        if data.get('format', SETTINGS_FORMAT) != SETTINGS_FORMAT:
            raise ValueError(f"{source}: format {data.get('format')!r} is "
                             f'not {SETTINGS_FORMAT!r}.')
        if int(data.get('version', SETTINGS_VERSION)) > SETTINGS_VERSION:
            raise ValueError(
                f"{source}: settings version {data['version']} is newer than "
                f'this mmseg_zsl reads ({SETTINGS_VERSION}); update it.')
        missing = [key for key in _REQUIRED if key not in data]
        if missing:
            raise ValueError(f'{source}: missing keys {missing}; write the '
                             'file with tools/calibrate_zero_shot.py.')
        classes = [str(name) for name in data['classes']]
        threshold = data['threshold']
        if isinstance(threshold, Mapping):
            threshold = {str(k): _number(v, source)
                         for k, v in threshold.items()}
        else:
            threshold = _number(threshold, source)
        prompts = data['class_prompts']
        if not isinstance(prompts, Mapping) or not all(
                isinstance(v, (list, tuple)) for v in prompts.values()):
            raise ValueError(f'{source}: class_prompts must map class names '
                             'to lists of prompts.')
        settings = cls(
            classes=classes,
            display_names=[
                str(n) for n in data.get('display_names') or classes
            ],
            background_names=[str(n) for n in data['background_names']],
            templates=[str(t) for t in data.get('templates')
                       or ['a photo of a {}.']],
            class_prompts={
                str(k): [str(p) for p in v]
                for k, v in prompts.items()
            },
            threshold=threshold,
            unassigned_label=int(data['unassigned_label']),
            calibration=dict(data.get('calibration') or {}))
        if settings.unassigned_label not in (0, 255):
            raise ValueError(f'{source}: unassigned_label must be 0 or 255, '
                             f'got {settings.unassigned_label}.')
        # Building the vocabulary checks names, prompts and thresholds.
        try:
            settings.vocabulary().thresholds(settings.threshold)
        except (TypeError, ValueError) as error:
            raise ValueError(f'{source}: {error}') from error
        return settings


def _number(value: Any, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f'{source}: thresholds must be numbers, got '
                        f'{value!r}.')
    return float(value)


def load_calibration_settings(path: str) -> CalibrationSettings:
    """Read and validate a settings file (``.json``, ``.yaml``/``.yml``)."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Settings file {path!r} does not exist; tools/'
            'calibrate_zero_shot.py writes one (<out_dir>/calibration/'
            'settings.json by default).')
    with open(path, encoding='utf-8') as file:
        text = file.read()
    if path.lower().endswith(_YAML_SUFFIXES):
        import yaml
        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    return CalibrationSettings.from_dict(data, path)


def save_calibration_settings(settings: CalibrationSettings,
                              path: str) -> None:
    """Write settings atomically, YAML for ``.yaml``/``.yml``, else JSON."""
    data = settings.to_dict()
    if path.lower().endswith(_YAML_SUFFIXES):
        import yaml
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(data, indent=2) + '\n'
    atomic_write_bytes(path, text.encode('utf-8'))
