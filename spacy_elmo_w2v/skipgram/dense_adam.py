"""Dense Adam behind :class:`.row_adam.RowAdam`'s interface, for small vocabularies.

When a batch touches a large share of the rows (PTB: a few thousand of its
6,700 words every step), updating whole tables with Adam costs less than the
row bookkeeping of :class:`.row_adam.RowAdam` (sorting ids, gathering and
scattering moments): 4.0-4.2 s against 5.0-5.6 s for 5 epochs of PTB on 2
CPU cores. :func:`make_optimizer` picks one by the number of rows.

The update is Adam's, written with plain in-place tensor ops on the two
tables: ``torch.optim.Adam``'s constructor imports ``torch._dynamo``, which
costs 1-2 s of a PTB run that trains in 4 s.
"""
from typing import List, Sequence, Union

import torch

from .row_adam import RowAdam, RowUpdate

# Tables with at most this many rows get dense Adam; larger ones the row-sparse one.
# A batch of 4,096 centers touches some thousands of rows: past about 20,000
# rows dense Adam spends most of each step on rows without a gradient.
DENSE_MAX_ROWS = 20_000


class DenseAdam:
    """Adam over whole tables, fed row gradients; ``lr`` may change between steps.

    tables: the tensors to update in place. :meth:`step` takes the same
    ``(row ids, gradient rows)`` pairs as :meth:`.row_adam.RowAdam.step`
    (repeated ids are summed; rows without a gradient get a zero one, so
    their momentum keeps moving them, as in ``torch.optim.Adam``);
    :meth:`flush` has nothing to do.
    """

    def __init__(self, tables: Sequence[torch.Tensor], lr: float, betas=(0.9, 0.999), eps: float = 1e-8) -> None:
        self.tables: List[torch.Tensor] = list(tables)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self._grads = [torch.zeros_like(t) for t in self.tables]
        self._exp_avgs = [torch.zeros_like(t) for t in self.tables]
        self._exp_avg_sqs = [torch.zeros_like(t) for t in self.tables]
        self.n_steps = 0

    @torch.no_grad()
    def step(self, updates: Sequence[RowUpdate]) -> None:
        """One Adam step of every row."""
        if len(updates) != len(self.tables):
            raise ValueError(f"{len(updates)} updates for {len(self.tables)} tables")
        self.n_steps += 1
        beta1, beta2 = self.betas
        bias1, bias2 = 1 - beta1**self.n_steps, 1 - beta2**self.n_steps
        for table, grad, m, v, (rows, grads) in zip(self.tables, self._grads, self._exp_avgs, self._exp_avg_sqs, updates):
            grad.zero_().index_add_(0, rows, grads.to(grad.dtype))
            m.lerp_(grad, 1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = v.div(bias2).sqrt_().add_(self.eps)
            table.addcdiv_(m, denom, value=-self.lr / bias1)

    def flush(self) -> None:
        """Nothing is pending: every step already moved every row."""


def make_optimizer(tables: Sequence[torch.Tensor], lr: float) -> Union[DenseAdam, RowAdam]:
    """Dense Adam for tables of at most :data:`DENSE_MAX_ROWS` rows, row-sparse Adam for larger ones."""
    if max(t.shape[0] for t in tables) <= DENSE_MAX_ROWS:
        return DenseAdam(tables, lr)
    return RowAdam(tables, lr)
