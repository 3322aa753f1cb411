"""Data-parallel plumbing on ``torch.distributed``: one process group per run, launched by ``torchrun``.

- :func:`process_group`: joins the group ``torchrun`` set up (``RANK``,
  ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT`` in the
  environment), gloo on CPU and nccl on CUDA, with a timeout on every
  collective; outside ``torchrun`` it yields a one-process group whose
  collectives are no-ops, so the training loops have one code path.
- :class:`ProcessGroup`: rank and world size, and the few collectives the
  loops call (barrier, sums, "does any rank want to stop", parameter
  averaging, sharing a Python object computed on rank 0).
- :func:`shard_range`: the contiguous slice of a corpus each rank reads.
- :func:`data_parallel`: DDP around a module when there are many ranks.
- :func:`rank_seed`: a different sampling seed per rank.
- :func:`main_process_output`: only rank 0 prints.

Nothing here runs at import time; torch is imported when a group is made.
"""
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, TypeVar, Union

from wasabi import msg

from .errors import PeerProcessError

if TYPE_CHECKING:
    import torch
    import torch.distributed as dist

# Seconds a collective waits for the other ranks before the run stops with an error.
DEFAULT_TIMEOUT_S = 600.0

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class TorchrunEnv:
    """What ``torchrun`` tells each worker about its place in the run."""

    rank: int
    world_size: int
    local_rank: int


def torchrun_env() -> Optional[TorchrunEnv]:
    """The rank, world size and local rank ``torchrun`` set, or None when not launched by it."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return None
    return TorchrunEnv(
        rank=int(os.environ["RANK"]),
        world_size=int(os.environ["WORLD_SIZE"]),
        local_rank=int(os.environ.get("LOCAL_RANK", os.environ["RANK"])),
    )


@dataclass(frozen=True)
class ProcessGroup:
    """This process's rank in a run of ``world_size`` processes, and the collectives the loops use.

    With ``world_size == 1`` every collective returns its input unchanged
    and talks to nobody. ``device`` is where collective tensors live (the
    CUDA device for nccl, the CPU for gloo).
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: str = "cpu"
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def is_main(self) -> bool:
        """True on rank 0: the one process that writes files, logs and progress bars."""
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        """Whether more than one process takes part."""
        return self.world_size > 1

    def barrier(self) -> None:
        """Wait until every rank gets here (or raise :class:`PeerProcessError` after the timeout)."""
        if self.is_distributed:
            with self._collective("barrier"):
                import torch.distributed as dist

                dist.barrier()

    def sum(self, values: List[float]) -> List[float]:
        """Element-wise sum of ``values`` over all ranks (float64)."""
        if not self.is_distributed:
            return list(values)
        import torch

        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        self.all_reduce_(t)
        return t.tolist()

    def any(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is True on at least one (e.g. a deadline has passed)."""
        return self.sum([float(flag)])[0] > 0

    def min(self, value: int) -> int:
        """The smallest ``value`` over all ranks."""
        return -int(self.max(-value))

    def max(self, value: int) -> int:
        """The largest ``value`` over all ranks."""
        if not self.is_distributed:
            return value
        import torch
        import torch.distributed as dist

        t = torch.tensor([value], dtype=torch.int64, device=self.device)
        self.all_reduce_(t, dist.ReduceOp.MAX)
        return int(t.item())

    def all_reduce_(self, tensor: "torch.Tensor", op: Optional["dist.ReduceOp"] = None) -> "torch.Tensor":
        """In-place all-reduce of ``tensor`` (sum unless ``op`` says otherwise); returns it."""
        if self.is_distributed:
            import torch.distributed as dist

            with self._collective("all_reduce"):
                dist.all_reduce(tensor, op=dist.ReduceOp.SUM if op is None else op)
        return tensor

    def broadcast_(self, params: Iterable) -> None:
        """Overwrite every tensor in ``params`` with rank 0's values."""
        if not self.is_distributed:
            return
        import torch.distributed as dist

        with self._collective("broadcast"):
            for p in params:
                dist.broadcast(p.data, src=0)

    def from_main(self, compute: Callable[[], T]) -> T:
        """Run ``compute`` on rank 0 only and give its (picklable) result to every rank."""
        if not self.is_distributed:
            return compute()
        import torch.distributed as dist

        box = [compute() if self.is_main else None]
        with self._collective("broadcast_object_list"):
            dist.broadcast_object_list(box, src=0, device=self._object_device())
        return box[0]

    def from_main_keeping(self, compute: Callable[[], Tuple[T, K]]) -> Tuple[T, Optional[K]]:
        """Run ``compute`` on rank 0 only; it returns ``(shared, kept)``: every rank gets
        ``shared`` (picklable), rank 0 also ``kept`` (never sent; e.g. files it wrote), the others None."""
        kept: List[Optional[K]] = [None]

        def shared() -> T:
            result, kept[0] = compute()
            return result

        return self.from_main(shared), kept[0]

    def gather_objects(self, obj: Any) -> List[Any]:
        """Every rank's ``obj``, in rank order, on every rank."""
        if not self.is_distributed:
            return [obj]
        import torch.distributed as dist

        out: List[Any] = [None] * self.world_size
        with self._collective("all_gather_object"):
            dist.all_gather_object(out, obj)
        return out

    def _object_device(self):
        import torch

        return torch.device(self.device)

    @contextmanager
    def _collective(self, name: str) -> Iterator[None]:
        """Turn a failed collective (a rank crashed, or hung past the timeout) into one clear error."""
        import torch.distributed as dist

        try:
            yield
        except (dist.DistError, RuntimeError) as e:
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise PeerProcessError(
                f"rank {self.rank}/{self.world_size}: {name} failed: another process crashed or did not answer "
                f"within {self.timeout_s:.0f}s ({first_line}). See the other ranks' errors; rerun (ELMo: with "
                f"--resume) once they are fixed."
            ) from e


SINGLE_PROCESS = ProcessGroup()


def rank_device(device: Union[str, "torch.device"], group: ProcessGroup) -> "torch.device":
    """The device this rank trains on: ``cuda:LOCAL_RANK`` when ``device`` is CUDA and the run has many processes."""
    import torch

    device = torch.device(device)
    if device.type == "cuda" and group.is_distributed:
        return torch.device("cuda", group.local_rank)
    return device


def data_parallel(module: "torch.nn.Module", device: "torch.device", group: ProcessGroup) -> "torch.nn.Module":
    """``module`` in ``DistributedDataParallel`` in a multi-process run, else ``module`` itself.

    DDP broadcasts rank 0's weights when it is built and averages the
    gradients over the ranks during ``backward``. ``module`` must give every
    parameter a gradient on every step (the ELMo objective does:
    ``StreamObjective(every_parameter=True)``), so DDP runs with
    ``find_unused_parameters`` off: with it on, DDP walked the whole
    autograd graph of the unrolled LSTMs after every forward, a third of a
    2-process CPU step. (``static_graph`` is left off: DDP finds no tensor
    in the objective's dataclass output to hook its first, delayed
    all-reduce to, and that step would go unaveraged.)

    Buffers are not re-broadcast before every forward (DDP's default):
    ``module``'s buffers must be the same on every rank and never change in
    training. The biLM's only one is the char CNN's table of each word's
    characters (``TokenEncoder.word_chars``), made from the vocabulary every
    rank shares; DDP's default sent it from rank 0 at every step,
    8 x max_chars bytes a word (2.7 MB for 6.6k words, 20 MB for 50k).
    With torch >= 2.13 DDP still copies rank 0's buffers once, when it is
    built (:func:`buffer_sync_args`).
    """
    if not group.is_distributed:
        return module
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(
        module, device_ids=device_ids, find_unused_parameters=False, **buffer_sync_args(DistributedDataParallel)
    )


def buffer_sync_args(ddp_class: type) -> Dict[str, bool]:
    """The ``DistributedDataParallel`` argument that turns off the buffer broadcast before every forward.

    torch 2.13 named it ``forward_sync_buffers`` (buffers are still copied
    once, when DDP is built) and deprecated ``broadcast_buffers``, with a
    FutureWarning on every rank; older torch has only ``broadcast_buffers``
    (which leaves the buffers out of that first copy as well).
    """
    import inspect

    if "forward_sync_buffers" in inspect.signature(ddp_class.__init__).parameters:
        return {"forward_sync_buffers": False}
    return {"broadcast_buffers": False}


@contextmanager
def process_group(device: "torch.device", timeout_s: Optional[float] = None) -> Iterator[ProcessGroup]:
    """The run's :class:`ProcessGroup`: joined from ``torchrun``'s environment, destroyed on exit.

    device: the training device asked for (a CUDA device picks nccl and
        ``cuda:LOCAL_RANK``; the CPU picks gloo).
    timeout_s: how long a collective waits for the other ranks
        (default :data:`DEFAULT_TIMEOUT_S`); past it the run stops with
        :class:`PeerProcessError` instead of hanging.

    Not under ``torchrun`` (or with one process) it yields
    :data:`SINGLE_PROCESS`. When the caller already made a default group
    (``torch.distributed.init_process_group``), it is used and left alone.
    """
    import torch
    import torch.distributed as dist

    timeout_s = DEFAULT_TIMEOUT_S if timeout_s is None else float(timeout_s)
    env = torchrun_env()
    owned = False
    if not dist.is_initialized():
        if env is None or env.world_size == 1:
            yield SINGLE_PROCESS
            return
        cuda = torch.device(device).type == "cuda"
        if cuda:
            torch.cuda.set_device(env.local_rank)
        dist.init_process_group("nccl" if cuda else "gloo", timeout=timedelta(seconds=timeout_s))
        owned = True
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = env.local_rank if env is not None else rank
    collective_device = f"cuda:{torch.cuda.current_device()}" if dist.get_backend() == "nccl" else "cpu"
    group = ProcessGroup(rank, world, local_rank, collective_device, timeout_s)
    try:
        yield group
    finally:
        if owned:
            dist.destroy_process_group()


def shard_range(n_items: int, rank: int, world_size: int, align: int = 1) -> Tuple[int, int]:
    """``(start, stop)``: the contiguous part of ``n_items`` positions that ``rank`` reads.

    Every rank gets the same number of positions, a multiple of ``align``
    (so the loops run the same number of steps on every rank); the tail of
    fewer than ``world_size * align`` positions is read by no rank. The
    positions index an id array, in memory or read from an id file on demand.
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
    align = max(1, align)
    per_rank = (n_items // (world_size * align)) * align
    return rank * per_rank, (rank + 1) * per_rank


def rank_seed(seed: int, rank: int) -> int:
    """The sampling seed of ``rank``: ``seed`` itself on rank 0, an independent stream on the others."""
    if rank == 0:
        return seed
    import numpy as np

    return int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])


@contextmanager
def main_process_output(group: ProcessGroup) -> Iterator[None]:
    """Silence wasabi's ``msg`` on every rank but 0 for the duration of the run."""
    if group.is_main:
        yield
        return
    before = msg.no_print
    msg.no_print = True
    try:
        yield
    finally:
        msg.no_print = before
