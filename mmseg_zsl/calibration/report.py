"""The calibration report: a JSON-ready dict and its printed table."""
from typing import Any, Dict, List, Optional

import numpy as np

from .runner import BaseLabels, CalibrationResult


def _value(value: Optional[float]) -> Optional[float]:
    if value is None or np.isnan(value):
        return None
    return float(value)


def build_report(result: CalibrationResult, base: BaseLabels,
                 **extra: Any) -> Dict[str, Any]:
    """Everything the calibration found (JSON-ready).

    ``per_class`` holds, per class, the IoU % before (the labelling run's
    settings), after (the chosen settings, on all labelled images) and
    cross-validated (the chosen stage, fitted without each held-out fold).
    """
    names = base.classes
    before, after = result.before, result.after
    cv_iou = after.cv_areas.iou() if after.cv_areas is not None else None
    per_class = {}
    for index, name in enumerate(names):
        per_class[name] = dict(
            before=_value(before.areas.iou()[index]),
            after=_value(after.areas.iou()[index]),
            cv=None if cv_iou is None else _value(cv_iou[index]))
    stages = {}
    for name, stage in result.stages.items():
        stages[name] = dict(
            threshold=stage.threshold,
            prompts={
                cls: dict(candidate=cand, prompts=prompts)
                for cls, cand, prompts in zip(base.text_class_names,
                                              stage.prompt_names,
                                              stage.prompts)
            },
            mIoU=_value(stage.miou),
            mIoU_cv=_value(stage.cv_miou))
    return dict(
        extra,
        classes=list(names),
        chosen=result.chosen,
        mIoU_before=_value(before.miou),
        mIoU_after=_value(after.miou),
        mIoU_cv=_value(after.cv_miou),
        per_class=per_class,
        stages=stages,
        cross_validation=dict(
            folds=len(result.folds),
            images_per_fold=[len(f) for f in result.folds],
            held_out=result.folds),
        settings=result.settings.to_dict())


def _fmt(value: Optional[float]) -> str:
    return '     -' if value is None else f'{value:6.2f}'


def _threshold(value: Any) -> str:
    """A threshold (or per-class mapping) to 4 decimals for the table."""
    if isinstance(value, dict):
        return '{' + ', '.join(f'{k}: {float(v):.4f}'
                               for k, v in value.items()) + '}'
    return f'{float(value):.4f}'


def format_report(report: Dict[str, Any]) -> str:
    """Per-class table, stage lines and the mIoU summary line."""
    lines: List[str] = []
    if report.get('untrained_models'):
        lines.append('NOTE: the cache comes from UNTRAINED random-init '
                     'models; these numbers say nothing about quality.')
    names = list(report['per_class'])
    width = max([len('class')] + [len(n) for n in names])
    lines.append(f"{'class':<{width}}  {'before':>6}  {'after':>6}  "
                 f"{'cv':>6}")
    for name in names:
        row = report['per_class'][name]
        lines.append(f"{name:<{width}}  {_fmt(row['before'])}  "
                     f"{_fmt(row['after'])}  {_fmt(row['cv'])}")
    lines.append('stages (mIoU on all labelled images / cross-validated):')
    for name, stage in report['stages'].items():
        mark = '  <- chosen' if name == report['chosen'] else ''
        lines.append(f"  {name:<10} {_fmt(stage['mIoU'])} / "
                     f"{_fmt(stage['mIoU_cv'])}  threshold "
                     f"{_threshold(stage['threshold'])}{mark}")
    folds = report['cross_validation']['folds']
    cv = f"{report['mIoU_cv']:.2f} ({folds}-fold)" \
        if report['mIoU_cv'] is not None else 'n/a (no cross-validation)'
    lines.append(
        f"calibration: mIoU {_fmt(report['mIoU_before']).strip()} -> "
        f"{_fmt(report['mIoU_after']).strip()} on "
        f"{report.get('num_images', '?')} labelled images, "
        f"cross-validated {cv}; chosen stage {report['chosen']!r}")
    return '\n'.join(lines)
