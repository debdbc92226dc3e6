import copy
from typing import Dict, List, Optional, Sequence, Union

from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

PipelineCfg = Union[dict, Sequence[dict]]


@TRANSFORMS.register_module()
class MultiBranch(BaseTransform):
    """Run one pipeline per branch on a deep copy of the results.

    The plugin's counterpart of mmdet's ``MultiBranch``. Each branch pipeline
    ends with a packer (``PackSemiSegInputs``) and draws its own random
    numbers; since the copy is taken *after* the shared geometric transforms,
    all branches of a sample are pixel-aligned (UniMatch's weak and strong
    views). The output holds every name of ``branch_field``; names without a
    pipeline in this stream (e.g. ``'sup'`` for an unlabeled sample) are
    None, so labeled and unlabeled samples collate together with mmengine's
    ``pseudo_collate`` into ``{'inputs': {branch: [x | None] * B}, ...}``.

    Required Keys:

    - whatever the branch pipelines need

    Added Keys (the whole results dict is replaced by):

    - inputs (dict[str, Tensor | None])
    - data_samples (dict[str, SegDataSample | None])

    Args:
        branch_field (list[str]): All branch names of the training data, e.g.
            ``['sup', 'unsup_weak', 'unsup_strong1', 'unsup_strong2']``.
        **branch_pipelines (dict | list[dict]): ``name=pipeline`` for the
            branches this stream fills; each pipeline must end with a packer
            that returns ``inputs`` and ``data_samples``.
    """

    def __init__(self, branch_field: List[str],
                 **branch_pipelines: PipelineCfg) -> None:
        super().__init__()
        unknown = set(branch_pipelines) - set(branch_field)
        if unknown:
            raise ValueError(
                f'branch pipelines {sorted(unknown)} are not in branch_field '
                f'{list(branch_field)}; add them there or rename them.')
        if not branch_pipelines:
            raise ValueError('MultiBranch needs at least one branch pipeline.')
        self.branch_field = list(branch_field)
        self.branch_pipelines: Dict[str, List] = {}
        for name, pipeline in branch_pipelines.items():
            if isinstance(pipeline, dict):
                pipeline = [pipeline]
            self.branch_pipelines[name] = [
                TRANSFORMS.build(t) if isinstance(t, dict) else t
                for t in pipeline
            ]

    def transform(self, results: dict) -> Optional[dict]:
        """Run every branch pipeline on its own copy of ``results``.

        Args:
            results (dict): Result dict after the shared transforms.

        Returns:
            dict | None: ``{'inputs': {...}, 'data_samples': {...}}``, or None
            if any branch pipeline returned None (the dataset then refetches
            another sample).
        """
        inputs = {name: None for name in self.branch_field}
        data_samples = {name: None for name in self.branch_field}
        for name, pipeline in self.branch_pipelines.items():
            branch_results = copy.deepcopy(results)
            for t in pipeline:
                branch_results = t(branch_results)
                if branch_results is None:
                    return None
            if 'inputs' not in branch_results or \
                    'data_samples' not in branch_results:
                raise ValueError(
                    f'branch {name!r} must end with a packer that returns '
                    "'inputs' and 'data_samples' (e.g. PackSemiSegInputs), "
                    f'got keys {sorted(branch_results)}.')
            inputs[name] = branch_results['inputs']
            data_samples[name] = branch_results['data_samples']
        return dict(inputs=inputs, data_samples=data_samples)

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(branch_field={self.branch_field}'
        for name, pipeline in self.branch_pipelines.items():
            repr_str += f', {name}={pipeline}'
        repr_str += ')'
        return repr_str
