"""The ELMo training loop: one epoch of truncated-BPTT steps over an LM id stream.

:func:`train_epoch` runs the batches of :func:`.objective.stream_pass`
(both directions, carried LSTM states) through backward, gradient clipping,
the optimizer and the learning-rate schedule, under autocast and a gradient
scaler when mixed precision is on (:func:`autocast_and_scaler`), until the
stream ends or the deadline passes. In a multi-process run each rank trains
on its shard and the ranks agree on when to stop. The command around it
(config, corpus, vocabulary, checkpoints, dev perplexity, output) is
:mod:`.pretrain`.
"""
import time
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, ContextManager, Optional, Tuple

import torch

from ..distributed import SINGLE_PROCESS, ProcessGroup
from ..idfile import IdArray
from ..progress import Progress
from ..threads import ThreadFollower
from .batching import n_stream_targets
from .bilm import BiLM
from .objective import ChunkForward, stream_pass
from .settings import TrainingSettings

# Multi-process runs: steps between the ranks' agreement on the max_minutes deadline.
DEADLINE_CHECK_EVERY = 20


# A context manager factory for the forward pass's mixed precision (nullcontext for none).
Autocast = Callable[[], ContextManager[Any]]


def autocast_and_scaler(device: torch.device, enabled: bool) -> Tuple[Autocast, Optional[torch.amp.GradScaler]]:
    """bf16 (or fp16) autocast on CUDA when enabled, and the gradient scaler fp16 needs (else None);
    a no-op on CPU."""
    if not enabled or device.type != "cuda":
        return nullcontext, None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return partial(torch.autocast, device_type="cuda", dtype=dtype), scaler


@dataclass
class EpochResult:
    """What one call of :func:`train_epoch` did: whether it reached the end of the
    stream, how many tokens each direction was trained on, and how long it took."""

    finished: bool
    tokens: int
    seconds: float


# Called after every step with (steps done this epoch, carried fwd state, carried bwd state).
StepCallback = Callable[[int, Any, Any], None]


def train_epoch(
    bilm: BiLM,
    ids: IdArray,
    settings: TrainingSettings,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
    autocast: Autocast,
    scaler: Optional[torch.amp.GradScaler],
    deadline: Optional[float],
    desc: str,
    forward: Optional[ChunkForward] = None,
    group: ProcessGroup = SINGLE_PROCESS,
    start_step: int = 0,
    states: Tuple[Any, Any] = (None, None),
    after_step: Optional[StepCallback] = None,
    metrics_path: Optional[Path] = None,
) -> EpochResult:
    """One pass over the training stream, stopping early at ``deadline`` (a ``time.perf_counter()`` value).

    In a multi-process run ``ids`` is this rank's shard, read in
    ``batch_size // world_size`` rows; ``forward`` is the DDP-wrapped
    :class:`.objective.StreamObjective` (so ``backward`` averages the
    gradients over the ranks), and the ranks agree on the deadline every
    :data:`DEADLINE_CHECK_EVERY` steps so that all stop at the same step.
    start_step, states: resume mid-epoch after ``start_step`` steps with
    the carried LSTM states saved there. after_step: called after each step
    (mid-epoch checkpoints). Progress (tokens/s, ETA, RSS, CPU threads) goes
    to the bar and, on rank 0, to ``metrics_path``. On the CPU the thread
    count follows the free cores (:class:`..threads.ThreadFollower`) when the
    command line chose it.
    """
    bilm.train()
    rows = settings.batch_size // group.world_size
    check_every = DEADLINE_CHECK_EVERY if group.is_distributed else 1
    world = group.world_size
    progress = Progress(
        world * n_stream_targets(len(ids), rows, settings.bptt), desc=desc, show=settings.progress and group.is_main,
        metrics_path=metrics_path if group.is_main else None,
    )
    progress.update(world * n_stream_targets(len(ids), rows, settings.bptt, batches=start_step))
    start, tokens, finished = time.perf_counter(), 0, True
    follow_free_cores = ThreadFollower(cpu=device.type == "cpu")
    passes = stream_pass(
        bilm, ids, rows, settings.bptt, device, autocast, forward=forward, start_batch=start_step,
        fwd_state=states[0], bwd_state=states[1],
    )
    with progress:
        for i, out in enumerate(passes, start=start_step):
            loss = out.loss()
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            torch.nn.utils.clip_grad_norm_(bilm.parameters(), settings.clip)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            scheduler.step()
            tokens += out.n_fwd
            follow_free_cores()
            progress.update(
                world * out.n_fwd, loss=loss.detach(), lr=scheduler.get_last_lr()[0],
                threads=torch.get_num_threads(),
            )
            if after_step is not None:
                after_step(i + 1, out.fwd_state, out.bwd_state)
            if deadline is not None and i % check_every == 0 and group.any(time.perf_counter() > deadline):
                finished = False
                break
        progress.log(epoch_done=finished)  # one record per epoch, however short the epoch
    return EpochResult(finished, tokens, time.perf_counter() - start)
