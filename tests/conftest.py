"""Suite-wide settings."""
import torch

# First, as every tool and config does: with mmcv-lite (make env's default)
# importing mmseg_zsl is what lets mmseg import mmcv.ops (utils/compat.py).
import mmseg_zsl  # noqa: F401

# The tests run tiny models: with several intra-op threads on a 2-core
# machine, thread start-up costs more than the work (tiny-SAM calls measured
# ~50x slower under load). Subprocesses the tests start are not affected.
torch.set_num_threads(1)
