"""The installed stack works together and the plugin registers into mmseg."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_mmcv_ops_run_or_say_how_to_get_them():
    import mmcv
    import mmpretrain  # noqa: F401
    import mmseg.models  # noqa: F401  (imports mmcv.ops unguarded)
    from mmcv.ops import nms

    from mmseg_zsl.utils.compat import (MissingCompiledOpError,
                                        has_compiled_mmcv_ops)
    assert mmcv.__version__ == '2.1.0'
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    if has_compiled_mmcv_ops():
        # Box 1 overlaps box 0 with IoU 81/100 > 0.5: boxes 0 and 2 stay.
        _, keep = nms(boxes, scores, iou_threshold=0.5)
        assert keep.tolist() == [0, 2]
    else:
        with pytest.raises(MissingCompiledOpError,
                           match="op 'nms' .* MMSEG_ZSL_MMCV_OPS=1 make env"):
            nms(boxes, scores, iou_threshold=0.5)


def test_pure_python_mmcv_op_runs_with_or_without_compiled_ops():
    # mmseg's mask classification uses point_sample: grid_sample at the
    # points, here (x, y) = (0.5, 0.5) of a 2x2 map is its centre, the mean.
    from mmcv.ops import point_sample
    values = torch.tensor([[[[1., 2.], [3., 4.]]]])
    sampled = point_sample(values, torch.tensor([[[0.5, 0.5]]]))
    assert sampled.flatten().tolist() == [2.5]


@pytest.mark.parametrize('registry, name', [
    ('MODELS', 'UniMatchZSSegmentor'),
    ('MODELS', 'LabelSmoothCELoss'),
    ('TRANSFORMS', 'ZeroShotPseudoLabel'),
])
def test_public_names_are_registered_in_mmseg(registry, name):
    import mmseg.registry

    import mmseg_zsl  # noqa: F401
    assert getattr(mmseg.registry, registry).get(name) is not None


def test_custom_imports_config_builds(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['mmseg_zsl'], "
        'allow_failed_imports=False)\n'
        "loss = dict(type='LabelSmoothCELoss', smoothing=0.1)\n")
    cfg = Config.fromfile(str(cfg_file))
    from mmseg.registry import MODELS
    loss = MODELS.build(cfg.loss)
    assert type(loss).__name__ == 'LabelSmoothCELoss'


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_tool_help(tool):
    result = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', tool), '--help'],
        capture_output=True,
        text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'usage:' in result.stdout


def test_training_imports_neither_annotation_nor_the_toy_world():
    """``import mmseg_zsl`` (what training configs do) registers datasets,
    transforms and models only: no SAM/CLIP code, no demo world; nor does
    the exit helper of tools/train.py."""
    code = ('import sys, mmseg_zsl, mmseg_zsl.utils.tool_exit; '
            'print(sorted({m.split(".")[1] for m in sys.modules if '
            'm.startswith("mmseg_zsl.")}))')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(eval(result.stdout))
    assert 'toy_world' not in loaded and 'annotation' not in loaded
    assert 'apis' not in loaded and {'datasets', 'models'} <= loaded
