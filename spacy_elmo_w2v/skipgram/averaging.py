"""Data-parallel skip-gram by periodic model averaging (Ji et al. 2016; "local SGD").

Every rank trains its own copy of the two embedding tables on its shard of
the corpus, with its own Adam state, and every ``every`` steps the ranks
replace their tables by the mean over the ranks (one all-reduce of
``2 * V * d`` floats). Averaging every step moves as many bytes as an
all-reduce of dense gradients; averaging every K steps divides that by K.
The README's distributed section has the measured trade-off.

The hooks are called by the one training loop (:func:`.train.train_skipgram`);
with one process they do nothing.
"""
from typing import Iterable, List

import torch

from ..distributed import SINGLE_PROCESS, ProcessGroup


class ParameterAveraging:
    """Average ``params`` over the ranks every ``every`` steps and at the end of each epoch.

    The ranks' subsampled shards differ in length, so they may run a
    different number of batches in an epoch: averaging happens only within
    the number of batches every rank runs (agreed at the start of the
    epoch), so every rank calls the same collectives in the same order.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], every: int, group: ProcessGroup = SINGLE_PROCESS) -> None:
        if every < 1:
            raise ValueError(f"averaging interval must be at least 1 step, got {every}")
        self.params: List[torch.nn.Parameter] = list(params)
        self.every = every
        self.group = group
        self._common_batches = 0
        self.n_averages = 0

    def start_epoch(self, n_batches: int) -> None:
        """Agree on the number of batches every rank runs in this epoch (one tiny collective)."""
        self._common_batches = self.group.min(n_batches)

    def after_step(self, batches_done: int) -> None:
        """Average when ``batches_done`` (in this epoch, from 1) is a multiple of ``every`` that every rank reaches."""
        if batches_done % self.every == 0 and batches_done <= self._common_batches:
            self._average()

    def end_epoch(self) -> None:
        """Average once more so that every epoch ends with one model on every rank."""
        self._average()

    def _average(self) -> None:
        if self.group.is_distributed:
            self.group.average_(self.params)
            self.n_averages += 1
