"""``--launcher pytorch`` on machines without a GPU (gloo, BN)."""
import logging
import os
import sys

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def _sync_bn_to_bn(node) -> None:
    """Replace every ``type='SyncBN'`` of a config tree by ``'BN'``."""
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _sync_bn_to_bn(value)


def exit_distributed_run(status: int = 0) -> None:
    """End a successful distributed CPU (gloo) run without finalizing Python.

    After the last collective, gloo's worker threads may still be releasing
    the tensors of finished work, which needs the GIL. If that happens while
    the interpreter finalizes, the thread is killed inside a C++ destructor
    and the process aborts ("terminate called without an active exception";
    about 1 run in 10 on 2 cores; core dump: ``ProcessGroupGloo::runLoop`` ->
    ``~AsyncBroadcastWork`` -> ``decref_pyobject`` ->
    ``PyThread_exit_thread``). Destroying the group does not help, since
    mmengine's DDP wrapper still holds it. So once every rank is done, the
    logs and streams are flushed and the process exits here with
    ``status`` (the tool's: every rank passes the same one, e.g. 3 when
    images failed). A no-op without an initialized gloo process group.
    """
    if not (torch_dist.is_initialized()
            and torch_dist.get_backend() == 'gloo'):
        return
    torch_dist.barrier()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def setup_cpu_distributed(cfg: Config) -> None:
    """Let ``tools/train.py`` / ``tools/test.py`` run distributed on CPUs.

    mmengine's launcher calls ``torch.cuda.set_device`` and wraps the model
    in DDP with ``device_ids=[LOCAL_RANK]``, and torch's SyncBatchNorm needs
    GPUs: none of that works on a CPU-only machine. Here the process group is
    created with gloo first (mmengine then skips its own init), DDP gets no
    device ids and SyncBN becomes BN (at test time both use the running
    statistics, so results are unchanged). A no-op with GPUs or without
    ``--launcher pytorch``.

    Args:
        cfg (Config): The run's config, with ``launcher`` set.
    """
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel',
        device_ids=None,
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    _sync_bn_to_bn(cfg.model)
    print_log(
        'No GPU: distributed run on CPU with gloo, SyncBN replaced by BN.',
        logger='current',
        level=logging.WARNING)
