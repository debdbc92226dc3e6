"""Suite-wide settings."""
import torch

# The tests run tiny models: with several intra-op threads on a 2-core
# machine, thread start-up costs more than the work (tiny-SAM calls measured
# ~50x slower under load). Subprocesses the tests start are not affected.
torch.set_num_threads(1)
