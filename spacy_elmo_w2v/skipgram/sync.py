"""Data-parallel skip-gram: every rank trains on its own shard, and the ranks add up their moves every few steps.

Every rank trains its own copy of the two embedding tables, with its own
optimizer state, on its shard of the corpus. Every ``every`` steps each rank
takes what its tables moved since the last exchange, the ranks sum those
moves (all-reduces), and every rank sets its tables to the last
common value plus the sum. A word that only one rank saw gets that rank's
whole move, a word every rank saw gets all of their moves, as if the ranks
had run one after the other on slightly stale tables: the lock-free updates
of word2vec's own threads (Hogwild), with a staleness of ``every`` steps.
Each rank's row-wise Adagrad accumulators stay its own, so each rank takes
the steps one process would take on its data. Replacing the tables by their
mean instead (model averaging) divides the move of a word seen by one rank
out of N by N: it lost WordSim-353 on PTB with 2 processes (README).

Only rows some rank moved take part: the ranks first agree on which rows
moved since the last exchange (an all-reduce of one byte per row), then sum
the moves of those rows only, so an exchange costs what the steps touched,
not the vocabulary (with a million words a few steps touch a few percent of
the rows). When most rows moved (small vocabularies such as PTB's), the
whole tables are summed instead (one all-reduce of one buffer holding both
tables' moves), which is cheaper than selecting rows.
Exchanging every step moves at most the bytes of an all-reduce of dense
gradients; every K steps divides that by K. The README's distributed section
has the measured trade-off. The hooks are called by the one training loop
(:func:`.train.train_skipgram`); with one process they do nothing.
"""
from typing import Iterable, List, Optional, Sequence

import torch

from ..distributed import SINGLE_PROCESS, ProcessGroup


class SummedUpdates:
    """Add up the ranks' moves of ``tensors`` every ``every`` steps and at the end of each chunk.

    tensors: updated in place by each rank's optimizer (the tables); after
        an exchange they are equal on every rank.
    dense_above: the share of moved rows above which whole tables are
        summed rather than the moved rows.
    The ranks' subsampled shards differ in length, so they may run a
    different number of batches in a chunk: exchanges happen only within the
    number of batches every rank runs (agreed at the start of the chunk), so
    every rank calls the same collectives in the same order.
    """

    def __init__(
        self, tensors: Iterable[torch.Tensor], every: int, group: ProcessGroup = SINGLE_PROCESS, dense_above: float = 0.5
    ) -> None:
        if every < 1:
            raise ValueError(f"exchange interval must be at least 1 step, got {every}")
        self.tensors: List[torch.Tensor] = list(tensors)
        self.every = every
        self.group = group
        self.dense_above = dense_above
        self._common_batches = 0
        self.n_exchanges = 0
        self.rows_exchanged = 0  # over all exchanges and tensors: what the all-reduces of moves carried
        # only kept when there are other ranks: the value every rank agreed on at the last exchange,
        # and which rows this rank moved since
        self._base = [t.detach().clone() for t in self.tensors] if group.is_distributed else []
        self._moved = [t.new_zeros(t.shape[0], dtype=torch.uint8) for t in self._base]
        # the moves of the tables summed whole go into one buffer, for one all-reduce without allocations;
        # made the first time a table is summed whole (with a large vocabulary, perhaps never)
        self._moves: Optional[torch.Tensor] = None

    def start_epoch(self, n_batches: int) -> None:
        """Agree on the number of batches every rank runs in this chunk (one tiny collective)."""
        self._common_batches = self.group.min(n_batches)

    def after_step(self, batches_done: int, rows: Sequence[torch.Tensor]) -> None:
        """Note that ``rows[i]`` (row ids, may repeat) of ``tensors[i]`` moved in this step; exchange when
        ``batches_done`` (in this chunk, from 1) is a multiple of ``every`` that every rank reaches."""
        for moved, ids in zip(self._moved, rows):
            moved[ids] = 1
        if batches_done % self.every == 0 and batches_done <= self._common_batches:
            self._exchange()

    def end_epoch(self) -> None:
        """Exchange once more so that every chunk ends with one model on every rank."""
        self._exchange()

    @torch.no_grad()
    def _exchange(self) -> None:
        if not self.group.is_distributed:
            return
        import torch.distributed as dist

        flags = self.group.all_reduce_(torch.cat(self._moved), dist.ReduceOp.MAX)  # rows any rank moved
        start = 0
        whole = []  # (tensor, base, its moves: a view of the buffer)
        used = 0
        for tensor, base, moved in zip(self.tensors, self._base, self._moved):
            rows = flags[start : start + len(moved)].nonzero().squeeze(1)
            start += len(moved)
            if len(rows) > self.dense_above * len(tensor):
                if self._moves is None:
                    self._moves = base.new_empty(sum(t.numel() for t in self._base))
                delta = self._moves[used : used + tensor.numel()].view_as(tensor)
                torch.sub(tensor, base, out=delta)
                whole.append((tensor, base, delta))
                used += tensor.numel()
                self.rows_exchanged += len(tensor)
            elif len(rows):
                delta = self.group.all_reduce_(tensor.index_select(0, rows).sub_(base.index_select(0, rows)))
                agreed = base.index_select(0, rows).add_(delta)
                base.index_copy_(0, rows, agreed)
                tensor.index_copy_(0, rows, agreed)
                self.rows_exchanged += len(rows)
            moved.zero_()
        if whole:
            self.group.all_reduce_(self._moves[:used])
            for tensor, base, delta in whole:
                base.add_(delta)
                tensor.copy_(base)  # in place: the optimizer holds these very tensors
        self.n_exchanges += 1
