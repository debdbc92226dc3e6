"""Sharding over torchrun processes (RANK / WORLD_SIZE / LOCAL_RANK).

Ranks annotate disjoint shards and write disjoint files; they meet only to
agree on the manifest at the start and to merge the summary at the end, over
a CPU (gloo) process group, so GPUs of any kind (or none) work.
"""
import datetime
import os
from dataclasses import dataclass
from typing import Any, List

import torch
import torch.distributed as torch_dist

#: How long a rank waits for the others at the end (ranks finish at
#: different times on large datasets).
DIST_TIMEOUT = datetime.timedelta(hours=24)


@dataclass
class DistInfo:
    """This process's place among the annotation processes."""
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @classmethod
    def from_env(cls) -> 'DistInfo':
        """Read torchrun's variables (a single process without them)."""
        world_size = int(os.environ.get('WORLD_SIZE', 1))
        rank = int(os.environ.get('RANK', 0))
        local_rank = int(os.environ.get('LOCAL_RANK', rank))
        if not 0 <= rank < world_size:
            raise ValueError(f'RANK {rank} is outside WORLD_SIZE '
                             f'{world_size}.')
        return cls(rank, world_size, local_rank)

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def shard(self, items: List[Any]) -> List[Any]:
        """This rank's items: every world_size-th one from rank on."""
        return items[self.rank::self.world_size]

    def default_device(self) -> str:
        if torch.cuda.is_available():
            return f'cuda:{self.local_rank % torch.cuda.device_count()}'
        return 'cpu'


def init_process_group(info: DistInfo) -> None:
    """Join torchrun's process group (gloo) if distributed and not yet."""
    if info.distributed and not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=info.rank,
            world_size=info.world_size,
            timeout=DIST_TIMEOUT)


def all_gather(info: DistInfo, obj: Any) -> List[Any]:
    """Every rank's ``obj`` (just ``[obj]`` without distribution)."""
    if not info.distributed:
        return [obj]
    gathered: List[Any] = [None] * info.world_size
    torch_dist.all_gather_object(gathered, obj)
    return gathered


def broadcast(info: DistInfo, obj: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``obj`` on every rank."""
    if not info.distributed:
        return obj
    box = [obj]
    torch_dist.broadcast_object_list(box, src=src)
    return box[0]
