"""Helpers that several packages of mmseg_zsl need, each written once."""
from .compat import apply_compat_patches
from .cpu_distributed import exit_distributed_run, setup_cpu_distributed
from .files import (atomic_write, atomic_write_bytes, atomic_write_text,
                    image_stem, remove_stale_temp_files)
from .labels import read_ground_truth, values_outside_classes
from .options import drop_none
from .palette import voc_palette
from .seeding import derive_seed, seed_everything

__all__ = [
    'apply_compat_patches', 'exit_distributed_run', 'setup_cpu_distributed',
    'atomic_write', 'atomic_write_bytes', 'atomic_write_text', 'image_stem',
    'remove_stale_temp_files', 'drop_none', 'voc_palette', 'derive_seed',
    'seed_everything', 'read_ground_truth', 'values_outside_classes'
]
