"""Private torch calls sit behind feature tests whose fallbacks work; thinc models are edited through public APIs."""
import torch

from spacy_elmo_w2v.elmo.thinc_model import attach_bilm, get_bilm, make_bilm_model
from spacy_elmo_w2v.skipgram import model as skipgram_model


def test_without_the_private_bf16_probe_the_cpu_multiplies_in_float32(monkeypatch):
    monkeypatch.setattr(skipgram_model, "cpu_bf16_probe", lambda: None)
    skipgram_model._bf16_is_native.cache_clear()
    try:
        assert skipgram_model.noise_matmul_dtype(torch.device("cpu")) == torch.float32
    finally:
        skipgram_model._bf16_is_native.cache_clear()


def test_a_probe_that_says_yes_turns_on_bfloat16_products(monkeypatch):
    monkeypatch.setattr(skipgram_model, "cpu_bf16_probe", lambda: (lambda: True))
    skipgram_model._bf16_is_native.cache_clear()
    try:
        assert skipgram_model.noise_matmul_dtype(torch.device("cpu")) == torch.bfloat16
        assert skipgram_model.noise_matmul_dtype(torch.device("cpu"), torch.float64) == torch.float64
    finally:
        skipgram_model._bf16_is_native.cache_clear()


def test_the_bf16_probe_answers_on_this_torch_or_is_absent():
    probe = skipgram_model.cpu_bf16_probe()
    assert probe is None or probe() in (True, False)


class _Module(torch.nn.Module):
    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec
        self.linear = torch.nn.Linear(2, 2)


def test_attaching_a_second_bilm_replaces_the_first():
    model = make_bilm_model("spec0")
    first, second = _Module("spec1"), _Module("spec2")
    attach_bilm(model, first)
    attach_bilm(model, second)
    assert len(model.layers) == 1
    assert get_bilm(model) is second and model.attrs["spec"] == "spec2"


def test_elmo_component_runs_where_thinc_puts_torch_for_the_current_ops(monkeypatch):
    import spacy
    import thinc.api

    pipe = spacy.blank("en").add_pipe("elmo_vectors")
    assert pipe.torch_device() == torch.device("cpu")  # NumpyOps
    monkeypatch.setattr(thinc.api, "get_torch_default_device", lambda: torch.device("meta"))
    assert pipe.torch_device() == torch.device("meta")


def test_the_wrapped_module_is_the_one_given_without_thincs_private_attribute(monkeypatch):
    import torch

    from spacy_elmo_w2v.wrapping import wrap_torch_module, wrapped_torch_module

    module = torch.nn.Linear(2, 2)
    wrapper = wrap_torch_module(module)
    # where thinc keeps a shim's module is not public: our own record answers without it
    monkeypatch.setattr(wrapper.shims[0], "_model", None)
    assert wrapped_torch_module(wrapper) is module


def test_a_copied_wrapper_gives_its_own_copy_of_the_module():
    import torch

    from spacy_elmo_w2v.wrapping import wrap_torch_module, wrapped_torch_module

    module = torch.nn.Linear(2, 2)
    copied = wrap_torch_module(module).copy()
    inside = wrapped_torch_module(copied)
    assert inside is not module and isinstance(inside, torch.nn.Linear)
    assert torch.equal(inside.weight, module.weight)
