"""DenseAdam: Adam over whole tables behind RowAdam's interface; the choice between them."""
import torch

from spacy_elmo_w2v.skipgram.dense_adam import DENSE_MAX_ROWS, DenseAdam, make_optimizer
from spacy_elmo_w2v.skipgram.row_adam import RowAdam


def _train(optimizer_cls, touched_rows, steps=30, lr=0.01):
    torch.manual_seed(0)
    table = torch.randn(6, 3)
    optimizer = optimizer_cls([table], lr=lr)
    gen = torch.Generator().manual_seed(1)
    for step in range(steps):
        rows = torch.tensor(touched_rows(step))
        grads = torch.randn(len(rows), 3, generator=gen)
        optimizer.step([(rows, grads)])
    optimizer.flush()
    return table


def test_dense_and_row_adam_take_the_same_steps_when_every_row_has_a_gradient():
    every_row = lambda step: [0, 1, 2, 3, 4, 5]
    assert torch.allclose(_train(DenseAdam, every_row), _train(RowAdam, every_row), atol=1e-6)


def test_dense_adam_equals_torch_adam():
    torch.manual_seed(0)
    table = torch.randn(5, 3)
    reference = torch.nn.Parameter(table.clone())
    ours, theirs = DenseAdam([table], lr=0.05), torch.optim.Adam([reference], lr=0.05)
    gen = torch.Generator().manual_seed(2)
    for step in range(25):
        rows = torch.tensor([step % 5, (step * 2) % 5, 1])
        grads = torch.randn(3, 3, generator=gen)
        reference.grad = torch.zeros(5, 3).index_add_(0, rows, grads)
        ours.lr = theirs.param_groups[0]["lr"] = 0.05 * (1 - step / 50)
        theirs.step()
        ours.step([(rows, grads)])
    assert torch.allclose(table, reference.detach(), atol=1e-5)


def test_dense_adam_keeps_moving_rows_without_a_gradient_and_sums_repeated_ids():
    torch.manual_seed(0)
    table = torch.randn(4, 2)
    start = table.clone()
    optimizer = DenseAdam([table], lr=0.1)
    optimizer.step([(torch.tensor([0, 0]), torch.tensor([[1.0, 1.0], [1.0, 1.0]]))])
    moved_once = table.clone()
    optimizer.step([(torch.tensor([1]), torch.tensor([[1.0, -1.0]]))])
    assert not torch.equal(moved_once[0], start[0]) and not torch.equal(table[0], moved_once[0])  # momentum
    assert torch.equal(table[2:], start[2:])  # never a gradient: no moment, no move


def test_small_tables_get_dense_adam_and_large_ones_row_adam():
    assert isinstance(make_optimizer([torch.zeros(DENSE_MAX_ROWS, 2)], 0.1), DenseAdam)
    assert isinstance(make_optimizer([torch.zeros(DENSE_MAX_ROWS + 1, 2)], 0.1), RowAdam)
