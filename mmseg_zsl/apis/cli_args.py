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


def model_options(args: argparse.Namespace) -> dict:
    """Model keyword arguments of ``annotate_dataset`` from the SAM, CLIP
    and GEM flags; flags left unset are dropped (library defaults).
    """
    sam_generator = {
        key[len('sam_'):]: value
        for key, value in vars(args).items()
        if key.startswith('sam_') and key not in ('sam_model_type',
                                                  'sam_checkpoint')
    }
    options = dict(
        sam_model_type=args.sam_model_type,
        sam_checkpoint=args.sam_checkpoint,
        sam_generator=sam_generator,
        clip_model=args.clip_model,
        clip_pretrained=args.clip_pretrained,
        clip_cache_dir=args.clip_cache_dir,
        gem=dict(
            gem_depth=args.gem_depth,
            ss_attn_iter=args.ss_attn_iter,
            ss_attn_temp=args.ss_attn_temp),
        clip_input=dict(
            image_size=args.image_size, resize_mode=args.resize_mode),
        random_init=args.random_init)
    return {k: v for k, v in options.items() if v is not None}
