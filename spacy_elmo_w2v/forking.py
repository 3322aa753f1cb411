"""Keep torch usable in processes forked by ``nlp.pipe(n_process=...)``.

A process forked after torch has used its OpenMP thread pool cannot use the
pool again: the child's first parallel op hangs forever. spaCy forks its
workers, so each of our components calls :func:`track_torch_module` when it
builds its torch model: a forked child of a process that holds one of them
then runs torch on one thread (which is what a worker of a multi-process pipe
should do anyway).

The fork hook (``os.register_at_fork``) is registered once per process, the
first time a component builds a torch model, and cannot be unregistered: so it
does nothing unless one of our torch models is still alive in the parent when
it forks. A process that never builds one of our components gets no hook.
"""
import functools
import os
import sys
import weakref
from typing import Any

# Our live torch modules; entries vanish when a module is garbage collected.
_LIVE_MODULES: "weakref.WeakSet[Any]" = weakref.WeakSet()


def track_torch_module(module: Any) -> None:
    """Note ``module`` (one of our torch models) as alive, and make sure the fork hook is registered."""
    _LIVE_MODULES.add(module)
    _register_fork_hook()


def components_alive() -> bool:
    """True while any module passed to :func:`track_torch_module` is still alive."""
    return len(_LIVE_MODULES) > 0


def _after_fork_in_child() -> None:
    """In a forked child: one torch thread, if the parent held one of our torch models."""
    torch = sys.modules.get("torch")
    if torch is not None and components_alive():
        torch.set_num_threads(1)


@functools.lru_cache(maxsize=None)
def _register_fork_hook() -> None:
    if hasattr(os, "register_at_fork"):  # POSIX only; Windows spawns instead of forking
        os.register_at_fork(after_in_child=_after_fork_in_child)
