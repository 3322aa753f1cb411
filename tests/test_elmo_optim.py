"""The biLM's Adam: fused where torch has it, the usual Adam elsewhere, the same steps and checkpoints either way."""
import io

import pytest

torch = pytest.importorskip("torch")

from spacy_elmo_w2v.elmo.optim import make_adam  # noqa: E402


def _params(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(7, 5, generator=gen)), torch.nn.Parameter(torch.randn(5, generator=gen))]


def _steps(optimizer, params, n: int, seed: int = 1) -> None:
    gen = torch.Generator().manual_seed(seed)
    for _ in range(n):
        for p in params:
            p.grad = torch.randn(p.shape, generator=gen)
        optimizer.step()


# torch's fused Adam runs on the CPU since torch 2.4; 2.3 (our floor) has it for CUDA only.
CPU_FUSED = tuple(int(x) for x in torch.__version__.split(".")[:2]) >= (2, 4)


def test_adam_is_fused_on_the_cpu_where_torch_has_it():
    optimizer = make_adam(_params(), 0.01)
    assert isinstance(optimizer, torch.optim.Adam)
    assert bool(optimizer.defaults["fused"]) is CPU_FUSED, torch.__version__
    assert optimizer.defaults["lr"] == 0.01


def test_adam_falls_back_to_the_unfused_one_where_torch_refuses_fused(monkeypatch):
    real = torch.optim.Adam

    def no_fused(params, *args, fused=None, **kwargs):
        if fused:
            raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of supported devices")
        return real(params, *args, **kwargs)

    monkeypatch.setattr(torch.optim, "Adam", no_fused)
    params = _params()
    optimizer = make_adam(iter(params), 0.01)  # a generator, as bilm.parameters() is: read once
    assert not optimizer.defaults["fused"]
    assert [p for group in optimizer.param_groups for p in group["params"]] == params


def test_fused_and_unfused_adam_take_the_same_steps_and_swap_checkpoints():
    fused_params, plain_params = _params(), _params()
    fused = make_adam(fused_params, 0.05)
    plain = torch.optim.Adam(plain_params, lr=0.05)
    _steps(fused, fused_params, 5)
    _steps(plain, plain_params, 5)
    moved = [(p - q).abs().max() for p, q in zip(fused_params, _params())]
    assert min(moved) > 0.1  # the steps did something
    for p, q in zip(fused_params, plain_params):
        torch.testing.assert_close(p, q)
    # a checkpoint of either (saved as checkpoints are) resumes in the other, and both go on alike
    resumed_plain = torch.optim.Adam(plain_params, lr=0.05)
    resumed_plain.load_state_dict(_saved_and_loaded(fused.state_dict()))
    resumed_fused = make_adam(fused_params, 0.05)
    resumed_fused.load_state_dict(_saved_and_loaded(plain.state_dict()))
    _steps(resumed_plain, plain_params, 3, seed=2)
    _steps(resumed_fused, fused_params, 3, seed=2)
    for p, q in zip(fused_params, plain_params):
        torch.testing.assert_close(p, q)


def _saved_and_loaded(state):
    saved = io.BytesIO()
    torch.save(state, saved)
    saved.seek(0)
    return torch.load(saved)
