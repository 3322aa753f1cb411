"""RowAdagrad: row-wise Adagrad on the rows a step touches; SummedUpdates: the ranks' moves added up."""
import pytest
import torch

from spacy_elmo_w2v.skipgram.row_adagrad import RowAdagrad
from spacy_elmo_w2v.skipgram.sync import SummedUpdates


def test_row_adagrad_of_width_one_equals_torch_adagrad():
    """With one column the row's mean squared gradient is the element's: plain Adagrad."""
    torch.manual_seed(0)
    start = torch.randn(7, 1)
    ours_table, reference = start.clone(), torch.nn.Parameter(start.clone())
    ours, theirs = RowAdagrad([ours_table], lr=0.1), torch.optim.Adagrad([reference], lr=0.1, eps=1e-10)
    for step in range(25):
        grad = torch.randn(7, 1)
        grad[torch.randperm(7)[:3]] = 0.0  # idle rows this step
        rows = grad[:, 0].nonzero()[:, 0]
        reference.grad = grad
        theirs.step()
        ours.step([(rows, grad[rows])])
    torch.testing.assert_close(ours_table, reference.detach())


def test_repeated_ids_are_summed_and_untouched_rows_keep_value_and_state():
    table = torch.ones(4, 2)
    optimizer = RowAdagrad([table], lr=0.5)
    optimizer.step([(torch.tensor([1, 1, 3]), torch.tensor([[1.0, 3.0], [1.0, 1.0], [0.0, 2.0]]))])
    grad_1 = torch.tensor([2.0, 4.0])  # the two rows of id 1 summed
    assert torch.allclose(optimizer.sums[0], torch.tensor([0.0, 10.0, 0.0, 2.0]))
    assert torch.allclose(table[1], 1 - 0.5 * grad_1 / 10**0.5)
    assert torch.equal(table[[0, 2]], torch.ones(2, 2))


def test_a_rows_steps_shrink_as_it_is_trained():
    table = torch.zeros(1, 3)
    optimizer = RowAdagrad([table], lr=1.0)
    moves = []
    for _ in range(9):
        before = table.clone()
        optimizer.step([(torch.tensor([0]), torch.ones(1, 3))])
        moves.append(float((before - table).norm()))
    assert all(a > b for a, b in zip(moves, moves[1:]))
    assert moves[0] / moves[3] == pytest.approx(2.0)  # 1 / sqrt(steps)


class _TwoRanks:
    """A stand-in for a 2-process group: ``moves[k]`` is what the other rank's table moved before exchange ``k``."""

    is_distributed = True
    world_size = 2

    def __init__(self, moves):
        self.moves = moves
        self.rows = None

    def min(self, value):
        return value

    def all_reduce_(self, tensor, op=None):
        theirs = self.moves[0]
        if op is not None:  # MAX of the moved-row flags
            tensor.copy_(torch.maximum(tensor, theirs.ne(0).any(1).to(tensor.dtype)))
            self.rows = tensor.nonzero().squeeze(1)
            return tensor
        self.moves.pop(0)
        if tensor.numel() == theirs.numel():  # whole tables (the exchange may hand them over flattened)
            return tensor.add_(theirs.reshape(tensor.shape))
        return tensor.add_(theirs[self.rows])


@pytest.mark.parametrize("dense_above", [0.0, 1.0], ids=["whole-tables", "moved-rows"])
def test_an_exchange_gives_every_rank_the_sum_of_both_ranks_moves(dense_above):
    table = torch.zeros(4, 2)
    theirs = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
    exchange = SummedUpdates([table], every=2, group=_TwoRanks([theirs, torch.zeros(4, 2)]), dense_above=dense_above)
    exchange.start_epoch(n_batches=3)
    table[0] += 5.0  # this rank's move of a word only it saw
    exchange.after_step(1, [torch.tensor([0])])  # not yet
    table[1] += 1.0
    exchange.after_step(2, [torch.tensor([1, 1])])
    assert torch.equal(table, torch.tensor([[5.0, 5.0], [2.0, 2.0], [2.0, 0.0], [0.0, 0.0]]))
    exchange.end_epoch()  # nothing moved since: the agreed value stays
    assert torch.equal(table, torch.tensor([[5.0, 5.0], [2.0, 2.0], [2.0, 0.0], [0.0, 0.0]]))
    assert exchange.n_exchanges == 2
    # moved rows: 0 (this rank), 1 (both), 2 (the other); row 3 moved nowhere and is never sent
    assert exchange.rows_exchanged == (3 if dense_above == 1.0 else 4)  # nothing moved before the second


def test_exchanges_stop_at_the_batches_every_rank_runs():
    exchange = SummedUpdates([torch.zeros(1)], every=1, group=_TwoRanks([]))
    exchange.start_epoch(n_batches=0)
    exchange.after_step(1, [torch.tensor([0])])  # another rank has no batch here: no collective
    assert exchange.n_exchanges == 0
