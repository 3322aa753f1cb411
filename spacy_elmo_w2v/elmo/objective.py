"""The LM pass over an id stream, shared by training, dev evaluation and ``evaluate-perplexity``.

:func:`stream_pass` runs both directions over truncated-BPTT batches with
the hidden state carried from chunk to chunk; the caller decides what to do
with each chunk's :class:`.bilm.LMOutput` (step an optimizer, or just sum).
"""
import math
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager, Iterator, List, Optional

import torch

from ..idfile import IdArray
from .batching import LMBatch, stream_batches
from .bilm import BiLM, LMOutput
from .lstm import State

ChunkForward = Callable[[LMBatch, Optional[State], Optional[State]], LMOutput]


@dataclass
class Perplexity:
    """Word-level perplexities: forward, backward, and their (arithmetic) mean.

    n_tokens, n_oov: when known, how many tokens were scored and how many of
    them were out of the vocabulary (scored as ``<unk>``, which makes a text
    of unknown words look easy: read the perplexity with :attr:`oov_rate`).
    """

    fwd: float
    bwd: float
    n_tokens: Optional[int] = None
    n_oov: Optional[int] = None

    @property
    def mean(self) -> float:
        """The mean of the forward and backward perplexities."""
        return 0.5 * (self.fwd + self.bwd)

    @property
    def oov_rate(self) -> Optional[float]:
        """The share of scored tokens that were out of the vocabulary (None when not counted)."""
        if self.n_tokens is None or self.n_oov is None:
            return None
        return self.n_oov / max(self.n_tokens, 1)

    def to_dict(self) -> dict:
        """The perplexities (and the unknown-word counts when known) as a JSON-serializable dict."""
        out = {"ppl_fwd": self.fwd, "ppl_bwd": self.bwd, "ppl_mean": self.mean}
        if self.oov_rate is not None:
            out.update(n_tokens=self.n_tokens, n_oov=self.n_oov, oov_rate=self.oov_rate)
        return out

    def __str__(self) -> str:
        text = f"fwd {self.fwd:.2f}  bwd {self.bwd:.2f}  mean {self.mean:.2f}"
        if self.oov_rate is not None:
            text += f"  (OOV {self.n_oov}/{self.n_tokens} = {self.oov_rate:.1%})"
        return text


class StreamObjective(torch.nn.Module):
    """``forward(batch, fwd_state, bwd_state) -> LMOutput``: the biLM's chunk pass as a module's forward.

    DistributedDataParallel all-reduces the gradients of what its module's
    ``forward`` computed; wrapping this (not the biLM, whose ``forward`` is
    the loss of independent sentences) makes the stream pass data-parallel.

    every_parameter: while gradients are recorded, add ``0 x`` the
        parameters the head left out of this chunk (an adaptive softmax
        cluster none of its targets fell into) to the loss, so that every
        parameter gets a gradient (zero) on every step. DDP then needs no
        search of the graph for unused parameters
        (:func:`spacy_elmo_w2v.distributed.data_parallel`); the loss and
        every other gradient are unchanged.
    """

    def __init__(self, bilm: BiLM, every_parameter: bool = False) -> None:
        super().__init__()
        self.bilm = bilm
        self.every_parameter = every_parameter

    def forward(self, batch: LMBatch, fwd_state: Optional[State] = None, bwd_state: Optional[State] = None) -> LMOutput:
        out = self.bilm.lm_output(batch, fwd_state, bwd_state)
        if self.every_parameter and torch.is_grad_enabled():
            targets = torch.cat([batch.fwd_targets.reshape(-1), batch.bwd_targets.reshape(-1)])
            idle = self.bilm.head.idle_parameters(targets)
            if idle:
                out.fwd_nll = out.fwd_nll + 0.0 * sum(p.sum() for p in idle)
        return out


def _detach(state: Optional[State]) -> Optional[State]:
    return None if state is None else [(h.detach(), c.detach()) for h, c in state]


def stream_pass(
    bilm: BiLM,
    ids: IdArray,
    batch_size: int,
    bptt: int,
    device: torch.device,
    autocast: Callable[[], ContextManager] = nullcontext,
    ignore_target: Optional[int] = None,
    forward: Optional[ChunkForward] = None,
    start_batch: int = 0,
    fwd_state: Optional[State] = None,
    bwd_state: Optional[State] = None,
) -> Iterator[LMOutput]:
    """Yield the :class:`.bilm.LMOutput` of each chunk of the stream, carrying (detached) states.

    ignore_target: a word id whose occurrences as targets are not scored (the
        model still reads them as inputs).
    forward: what computes a chunk (default ``bilm.lm_output``); the
        multi-process trainer passes its DDP-wrapped :class:`StreamObjective`.
    start_batch, fwd_state, bwd_state: where a pass resumed mid-stream starts,
        and the carried states it had there (see :attr:`.bilm.LMOutput.fwd_state`).
    """
    forward = bilm.lm_output if forward is None else forward
    for batch in stream_batches(ids, batch_size, bptt, start_batch):
        if ignore_target is not None:
            batch = batch.ignoring(ignore_target)
        with autocast():
            out = forward(batch.to(device), fwd_state, bwd_state)
        fwd_state, bwd_state = _detach(out.fwd_state), _detach(out.bwd_state)
        yield out


@torch.no_grad()
def evaluate_stream(
    bilm: BiLM,
    ids: IdArray,
    batch_size: int,
    bptt: int,
    device: torch.device,
    ignore_target: Optional[int] = None,
    sum_over_ranks: Callable[[List[float]], List[float]] = list,
    on_batch: Callable[[], None] = lambda: None,
) -> Perplexity:
    """Perplexity of both directions on an id stream (dropout off; the model's train/eval mode is restored).

    ignore_target: a word id (e.g. ``<unk>``) not scored as a target.
    sum_over_ranks: in a multi-process run each rank evaluates its shard of
        the stream and this sums the NLLs and counts over ranks
        (:meth:`spacy_elmo_w2v.distributed.ProcessGroup.sum`).
    on_batch: called after each of the stream's batches
        (:func:`.batching.n_stream_batches` of them), e.g. to move a progress bar.
    """
    was_training = bilm.training
    bilm.eval()
    f_nll = b_nll = 0.0
    f_n = b_n = 0
    for out in stream_pass(bilm, ids, batch_size, bptt, device, ignore_target=ignore_target):
        f_nll += float(out.fwd_nll)
        b_nll += float(out.bwd_nll)
        f_n += out.n_fwd
        b_n += out.n_bwd
        on_batch()
    bilm.train(was_training)
    f_nll, b_nll, f_n, b_n = sum_over_ranks([f_nll, b_nll, float(f_n), float(b_n)])
    if f_n == 0 or b_n == 0:
        raise ValueError("the evaluation stream is too short to predict any token")
    return Perplexity(math.exp(f_nll / f_n), math.exp(b_nll / b_n))
