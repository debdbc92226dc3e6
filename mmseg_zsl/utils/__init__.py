from .compat import apply_compat_patches
from .cpu_distributed import (destroy_process_group_at_exit,
                              setup_cpu_distributed)

__all__ = [
    'apply_compat_patches', 'destroy_process_group_at_exit',
    'setup_cpu_distributed'
]
