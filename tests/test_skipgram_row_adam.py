"""RowAdam: Adam on the rows a step touches, with the missed motion of the others caught up."""
import torch

from spacy_elmo_w2v.skipgram.row_adam import RowAdam


def _compare(touched_rows, steps=40, lr=0.01):
    torch.manual_seed(0)
    a = torch.randn(6, 3)
    b = torch.nn.Parameter(a.clone())
    ours, theirs = RowAdam([a], lr=lr), torch.optim.Adam([b], lr=lr)
    for step in range(steps):
        rows = touched_rows(step)
        grad = torch.zeros(6, 3)
        grad[rows] = torch.randn(len(rows), 3)
        b.grad = grad
        theirs.step()
        # each row's gradient split over two repeated ids: repeated ids are summed
        ids = torch.tensor(rows + rows)
        ours.step([(ids, torch.cat([grad[rows] * 0.25, grad[rows] * 0.75]))])
    ours.flush()
    torch.manual_seed(0)
    return a, b.detach(), torch.randn(6, 3)


def test_row_adam_equals_adam_when_every_row_is_touched():
    ours, adam, _ = _compare(lambda step: [0, 1, 2, 3, 4, 5])
    assert torch.allclose(ours, adam, atol=1e-6)


def test_rows_touched_now_and_then_follow_dense_adam():
    ours, adam, start = _compare(lambda step: [0, 1] + ([2, 3] if step % 3 == 0 else []) + ([4] if step in (2, 30) else []))
    assert (adam[4] - start[4]).abs().min() > 0.01  # row 4: two gradients, moved for many steps after each
    # the catch-up takes bias corrections at the current step: close, not equal, while they still change
    assert bool(((ours - adam).abs() <= 0.2 * (adam - start).abs() + 1e-4).all())


def test_a_step_changes_only_rows_with_gradients_or_pending_motion():
    table = torch.randn(6, 2)
    before = table.clone()
    opt = RowAdam([table], lr=0.1)
    for _ in range(3):
        opt.step([(torch.tensor([1, 4]), torch.ones(2, 2))])
    untouched = [0, 2, 3, 5]
    assert torch.equal(table[untouched], before[untouched])
    assert not torch.equal(table[[1, 4]], before[[1, 4]])
