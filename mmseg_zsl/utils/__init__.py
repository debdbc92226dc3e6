from .compat import apply_compat_patches
from .cpu_distributed import exit_distributed_run, setup_cpu_distributed

__all__ = [
    'apply_compat_patches', 'exit_distributed_run',
    'setup_cpu_distributed'
]
