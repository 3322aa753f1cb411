"""The LM pass over an id stream, shared by training, dev evaluation and ``evaluate-perplexity``.

:func:`stream_pass` runs both directions over truncated-BPTT batches with
the hidden state carried from chunk to chunk; the caller decides what to do
with each chunk's :class:`.bilm.LMOutput` (step an optimizer, or just sum).
"""
import math
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager, Iterator, List, Optional

import numpy as np
import torch

from .batching import LMBatch, stream_batches
from .bilm import BiLM, LMOutput
from .lstm import State

ChunkForward = Callable[[LMBatch, Optional[State], Optional[State]], LMOutput]


@dataclass
class Perplexity:
    """Word-level perplexities: forward, backward, and their (arithmetic) mean."""

    fwd: float
    bwd: float

    @property
    def mean(self) -> float:
        return 0.5 * (self.fwd + self.bwd)

    def to_dict(self) -> dict:
        return {"ppl_fwd": self.fwd, "ppl_bwd": self.bwd, "ppl_mean": self.mean}

    def __str__(self) -> str:
        return f"fwd {self.fwd:.2f}  bwd {self.bwd:.2f}  mean {self.mean:.2f}"


class StreamObjective(torch.nn.Module):
    """``forward(batch, fwd_state, bwd_state) -> LMOutput``: the biLM's chunk pass as a module's forward.

    DistributedDataParallel all-reduces the gradients of what its module's
    ``forward`` computed; wrapping this (not the biLM, whose ``forward`` is
    the loss of independent sentences) makes the stream pass data-parallel.
    """

    def __init__(self, bilm: BiLM) -> None:
        super().__init__()
        self.bilm = bilm

    def forward(self, batch: LMBatch, fwd_state: Optional[State] = None, bwd_state: Optional[State] = None) -> LMOutput:
        return self.bilm.lm_output(batch, fwd_state, bwd_state)


def _detach(state: Optional[State]) -> Optional[State]:
    return None if state is None else [(h.detach(), c.detach()) for h, c in state]


def stream_pass(
    bilm: BiLM,
    ids: np.ndarray,
    batch_size: int,
    bptt: int,
    device: torch.device,
    autocast: Callable[[], ContextManager] = nullcontext,
    forward: Optional[ChunkForward] = None,
) -> Iterator[LMOutput]:
    """Yield the :class:`.bilm.LMOutput` of each chunk of the stream, carrying (detached) states.

    forward: what computes a chunk (default ``bilm.lm_output``); the
        multi-process trainer passes its DDP-wrapped :class:`StreamObjective`.
    """
    forward = bilm.lm_output if forward is None else forward
    fwd_state = bwd_state = None
    for batch in stream_batches(ids, batch_size, bptt):
        with autocast():
            out = forward(batch.to(device), fwd_state, bwd_state)
        fwd_state, bwd_state = _detach(out.fwd_state), _detach(out.bwd_state)
        yield out


@torch.no_grad()
def evaluate_stream(
    bilm: BiLM,
    ids: np.ndarray,
    batch_size: int,
    bptt: int,
    device: torch.device,
    sum_over_ranks: Callable[[List[float]], List[float]] = list,
) -> Perplexity:
    """Perplexity of both directions on an id stream (dropout off; the model's train/eval mode is restored).

    sum_over_ranks: in a multi-process run each rank evaluates its shard of
        the stream and this sums the NLLs and counts over ranks
        (:meth:`spacy_elmo_w2v.distributed.ProcessGroup.sum`).
    """
    was_training = bilm.training
    bilm.eval()
    f_nll = b_nll = 0.0
    f_n = b_n = 0
    for out in stream_pass(bilm, ids, batch_size, bptt, device):
        f_nll += float(out.fwd_nll)
        b_nll += float(out.bwd_nll)
        f_n += out.n_fwd
        b_n += out.n_bwd
    bilm.train(was_training)
    f_nll, b_nll, f_n, b_n = sum_over_ranks([f_nll, b_nll, float(f_n), float(b_n)])
    if f_n == 0 or b_n == 0:
        raise ValueError("the evaluation stream is too short to predict any token")
    return Perplexity(math.exp(f_nll / f_n), math.exp(b_nll / b_n))
