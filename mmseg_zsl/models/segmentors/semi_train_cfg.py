"""Options of :class:`UniMatchZSSegmentor` (``semi_train_cfg``) and defaults.

One home for every number of the semi-supervised losses (docs/method.md §2):
options a config leaves out take the default of its ``mode``.
"""
from typing import Any, Dict, Mapping, Optional

MODES = ('zsl', 'unimatch', 'supervised', 'pseudo')

# Branches each mode reads from the batch (see the data interface).
REQUIRED_BRANCHES = {
    'zsl': ('sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2'),
    'unimatch': ('sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2'),
    'supervised': ('sup', ),
    'pseudo': ('sup', 'unsup_weak'),
}

# UniMatch's structure: L = sup_weight * L_s + unsup_weight * L_u with
# L_u = fp_weight * L_fp + strong_weights[0] * L_s1 + strong_weights[1] * L_s2
# (+ weak_weight * L_w, a variant) (pseudo: L_u = the weak-view loss).
_COMMON_DEFAULTS: Dict[str, Any] = dict(
    conf_thresh=0.7,
    smoothing=0.0,
    fp_dropout=0.5,
    ignore_index=255,
    background_index=0,
    sup_weight=0.5,
    unsup_weight=0.5,
    fp_weight=0.5,
    strong_weights=(0.25, 0.25),
    # Variants beyond the paper (off by default), measured on the toy world
    # (configs/toy/README.md):
    # - zsl: a zero-shot object pixel becomes background only where the
    #   model's confidence also reaches this (None: conf_thresh alone).
    to_background_thresh=None,
    # - zsl, unimatch: the clean weak view is trained on the target too.
    weak_weight=0.0,
    # - zsl: the first this many training iterations are mode pseudo's
    #   (the weak view on the zero-shot labels, plain CE); the enhancement
    #   starts once the model has learnt from them (0: from the start).
    enhance_after=0,
)

_MODE_DEFAULTS: Dict[str, Dict[str, Any]] = dict(
    # The paper: tau = 0.7, label smoothing with eps = 1/C (None).
    zsl=dict(conf_thresh=0.7, smoothing=None),
    # UniMatch: tau = 0.95, plain cross-entropy.
    unimatch=dict(conf_thresh=0.95, smoothing=0.0),
    # UniMatch's supervised baseline trains on CE alone, unweighted.
    supervised=dict(sup_weight=1.0),
    # Naive use of the zero-shot labels: (L_s + CE(p_w, y_zs)) / 2.
    pseudo=dict(smoothing=0.0),
)


def resolve_semi_train_cfg(
        semi_train_cfg: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Fill ``semi_train_cfg`` with the defaults of its mode and check it.

    Args:
        semi_train_cfg (Mapping, optional): User options; ``mode`` defaults to
            'zsl'. Unknown keys are an error (typos would otherwise be
            silently ignored).

    Returns:
        dict: Every option, with ``mode``.
    """
    user = dict(semi_train_cfg or {})
    mode = user.pop('mode', 'zsl')
    if mode not in MODES:
        raise ValueError(f'semi_train_cfg.mode must be one of {MODES}, but '
                         f'got {mode!r}.')
    unknown = sorted(set(user) - set(_COMMON_DEFAULTS))
    if unknown:
        raise ValueError(
            f'Unknown semi_train_cfg keys {unknown}; the allowed keys are '
            f"{['mode'] + sorted(_COMMON_DEFAULTS)}.")
    cfg = {**_COMMON_DEFAULTS, **_MODE_DEFAULTS[mode], **user}
    cfg['mode'] = mode
    if not 0.0 <= cfg['fp_dropout'] < 1.0:
        raise ValueError('semi_train_cfg.fp_dropout must be in [0, 1), but '
                         f"got {cfg['fp_dropout']}.")
    threshold = cfg['to_background_thresh']
    if threshold is not None and not threshold >= 0.0:
        raise ValueError('semi_train_cfg.to_background_thresh must be None '
                         f'or a confidence >= 0, but got {threshold}.')
    if not cfg['weak_weight'] >= 0.0:
        raise ValueError('semi_train_cfg.weak_weight must be >= 0, but got '
                         f"{cfg['weak_weight']}.")
    enhance_after = cfg['enhance_after']
    if isinstance(enhance_after, bool) or not isinstance(
            enhance_after, int) or enhance_after < 0:
        raise ValueError('semi_train_cfg.enhance_after must be a number of '
                         f'iterations >= 0, but got {enhance_after!r}.')
    if enhance_after and mode != 'zsl':
        raise ValueError('semi_train_cfg.enhance_after applies to mode '
                         f"'zsl' only, but the mode is {mode!r}.")
    strong = tuple(cfg['strong_weights'])
    if len(strong) != 2:
        raise ValueError('semi_train_cfg.strong_weights must hold two '
                         f'weights (views s1 and s2), but got {strong}.')
    cfg['strong_weights'] = strong
    return cfg
