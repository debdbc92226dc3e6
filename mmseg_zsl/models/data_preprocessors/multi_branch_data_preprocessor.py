from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from torch import nn

ConfigType = Union[dict, nn.Module]


@MODELS.register_module()
class MultiBranchDataPreprocessor(BaseDataPreprocessor):
    """Preprocess a batch whose inputs and data samples are keyed by branch.

    The plugin's counterpart of mmdet's ``MultiBranchDataPreprocessor``.
    Training batches come from ``MultiBranch`` pipelines collated by
    ``pseudo_collate``::

        {'inputs': {branch: [Tensor | None] * B},
         'data_samples': {branch: [SegDataSample | None] * B}}

    In training, the Nones of each branch are dropped (keeping the order of
    the rest, so the i-th unlabeled sample is the same image in every
    ``unsup_*`` branch), the wrapped preprocessor (``SegDataPreProcessor``:
    BGR->RGB, normalisation, ``stack_batch``) runs once per branch, and the
    result is::

        {'inputs': {branch: Tensor (B_branch, 3, H, W)},
         'data_samples': {branch: [SegDataSample] * B_branch}}

    Branches without any sample are absent. ``stack_batch`` pads only
    ``gt_sem_seg``; the other ``PixelData`` fields (``padding_mask``,
    ``cutmix_box``) must already have the padded size, which the pipeline
    guarantees by padding to the crop size (``PadToCropSize``) — a mismatch
    raises ValueError here instead of failing later in the loss.

    Outside training (validation, test) the batch is an ordinary one and is
    passed to the wrapped preprocessor unchanged. ``device``, ``to``,
    ``cuda`` and ``cpu`` act on the wrapped preprocessor too.

    Args:
        data_preprocessor (dict | nn.Module): The wrapped preprocessor, e.g.
            ``dict(type='SegDataPreProcessor', size=crop_size, ...)``.
    """

    def __init__(self, data_preprocessor: ConfigType) -> None:
        super().__init__()
        if isinstance(data_preprocessor, nn.Module):
            self.data_preprocessor = data_preprocessor
        else:
            self.data_preprocessor = MODELS.build(data_preprocessor)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess each branch (training) or the plain batch (eval).

        Args:
            data (dict): Batch from the dataloader.
            training (bool): Whether the model is training.

        Returns:
            dict: ``inputs`` and ``data_samples``, keyed by branch when
            training.
        """
        if not training:
            return self.data_preprocessor(data, training)
        if not isinstance(data.get('inputs'), dict):
            raise TypeError(
                'MultiBranchDataPreprocessor expects training batches keyed '
                "by branch ({'inputs': {branch: [...]}, ...}) as built by the "
                'MultiBranch transform, got inputs of type '
                f'{type(data.get("inputs")).__name__}. Use a semi-supervised '
                'train pipeline or the plain SegDataPreProcessor.')
        multi_inputs: Dict[str, torch.Tensor] = {}
        multi_samples: Dict[str, List] = {}
        for branch, branch_inputs in data['inputs'].items():
            branch_samples = data['data_samples'][branch]
            keep = [i for i, x in enumerate(branch_inputs) if x is not None]
            if not keep:
                continue
            out = self.data_preprocessor(
                dict(
                    inputs=[branch_inputs[i] for i in keep],
                    data_samples=[branch_samples[i] for i in keep]),
                training)
            self._check_pixel_fields(branch, out['inputs'],
                                     out['data_samples'])
            multi_inputs[branch] = out['inputs']
            multi_samples[branch] = out['data_samples']
        return dict(inputs=multi_inputs, data_samples=multi_samples)

    @staticmethod
    def _check_pixel_fields(branch: str, inputs: torch.Tensor,
                            data_samples: Optional[list]) -> None:
        """Every PixelData field must have the batch's H, W."""
        size = tuple(inputs.shape[-2:])
        for sample in data_samples or []:
            for name, value in sample.items():
                if isinstance(value, PixelData) and \
                        tuple(value.shape) != size:
                    raise ValueError(
                        f'{branch!r} sample {sample.metainfo.get("img_path")}'
                        f': field {name!r} is {tuple(value.shape)} but the '
                        f'batch is {size}; pad every per-pixel field to the '
                        'crop size in the pipeline (PadToCropSize with the '
                        "same crop size as the preprocessor's size).")

    @property
    def device(self) -> torch.device:
        """Device of the wrapped preprocessor."""
        return self.data_preprocessor.device

    def to(self, *args, **kwargs) -> nn.Module:
        """Move both preprocessors (and record their device)."""
        self.data_preprocessor.to(*args, **kwargs)
        return super().to(*args, **kwargs)

    def cuda(self, *args, **kwargs) -> nn.Module:
        """Move both preprocessors to the current CUDA device."""
        self.data_preprocessor.cuda(*args, **kwargs)
        return super().cuda(*args, **kwargs)

    def cpu(self, *args, **kwargs) -> nn.Module:
        """Move both preprocessors to the CPU."""
        self.data_preprocessor.cpu(*args, **kwargs)
        return super().cpu(*args, **kwargs)
