from .compat import apply_compat_patches
from .cpu_distributed import setup_cpu_distributed

__all__ = ['apply_compat_patches', 'setup_cpu_distributed']
