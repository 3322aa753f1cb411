"""Keep torch usable in processes forked by ``nlp.pipe(n_process=...)``.

A process forked after torch has used its OpenMP thread pool cannot use the
pool again: the child's first parallel op hangs forever. spaCy forks its
workers, so every component calls :func:`make_torch_fork_safe` when it builds
its torch model: forked children then run torch on one thread each (which is
what a worker of a multi-process pipe should do anyway).
"""
import functools
import os


@functools.lru_cache(maxsize=None)
def make_torch_fork_safe() -> None:
    """Register (once per process) a fork hook that sets torch to one thread in the child."""
    import torch

    os.register_at_fork(after_in_child=lambda: torch.set_num_threads(1))
