"""Argument types shared by the annotation CLIs (annotate, calibrate)."""
import argparse
import json
import os.path as osp

SAM_MODEL_TYPES = ('vit_h', 'vit_l', 'vit_b')
RESIZE_MODES = ('square', 'keep_ratio')
#: Generator parameters that are not plain numbers (Python API only).
_NON_CLI_SAM_PARAMS = ('point_grids', )


def sam_generator_flags() -> dict:
    """``{param: default}`` of SamAutomaticMaskGenerator's number params."""
    from mmseg_zsl.annotation.sam import sam_generator_defaults
    return {
        name: default
        for name, default in sam_generator_defaults().items()
        if name not in _NON_CLI_SAM_PARAMS
    }


def parse_threshold(value: str):
    """A number, or a JSON file: a number or ``{class name: threshold}``."""
    try:
        return float(value)
    except ValueError:
        pass
    if not osp.isfile(value):
        raise argparse.ArgumentTypeError(
            f'{value!r} is neither a number nor a JSON file of thresholds '
            "({\"default\": 0.2, \"cat\": 0.25})")
    with open(value, encoding='utf-8') as file:
        loaded = json.load(file)
    if isinstance(loaded, (int, float)):
        return float(loaded)
    if not isinstance(loaded, dict):
        raise argparse.ArgumentTypeError(
            f'{value}: expected a number or an object mapping class names '
            'to thresholds.')
    return {str(k): float(v) for k, v in loaded.items()}


def load_class_prompts(path: str) -> dict:
    if not osp.isfile(path):
        raise argparse.ArgumentTypeError(f'{path!r} does not exist.')
    with open(path, encoding='utf-8') as file:
        loaded = json.load(file)
    if not isinstance(loaded, dict) or not all(
            isinstance(v, list) for v in loaded.values()):
        raise argparse.ArgumentTypeError(
            f'{path}: expected {{"class name": ["prompt", ...], ...}}.')
    return loaded
