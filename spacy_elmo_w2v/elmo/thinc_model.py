"""The thinc side of the biLM: a ``Model`` that holds a ``PyTorchWrapper`` once the vocabulary is known.

The torch module's size depends on the vocabulary, which a config does not
know; so the thinc model starts empty (with the :class:`.spec.BiLMSpec` in
``attrs["spec"]``) and :func:`attach_bilm` puts the wrapped module in.
No torch import at import time.
"""
from typing import Any, Callable, Optional, Tuple

from thinc.api import ArgsKwargs, Model, PyTorchWrapper

from ..forking import make_torch_fork_safe
from .spec import BiLMSpec


def make_bilm_model(spec: BiLMSpec) -> Model:
    """An empty biLM model: ``Model[LMBatch, Floats0d]`` (batch in, loss out) once a module is attached."""
    return Model("elmo_bilm", _forward, attrs={"spec": spec}, layers=[])


def attach_bilm(model: Model, module: Any) -> None:
    """Put the torch ``BiLM`` module into ``model`` (replacing any earlier one)."""
    make_torch_fork_safe()
    wrapper = PyTorchWrapper(module, convert_inputs=_convert_inputs)
    model._layers[:] = [wrapper]
    model.attrs["spec"] = module.spec


def get_bilm(model: Model) -> Optional[Any]:
    """The attached torch ``BiLM`` module, or None before one is attached."""
    if not model.layers:
        return None
    return model.layers[0].shims[0]._model


def _forward(model: Model, batch: Any, is_train: bool) -> Tuple[Any, Callable]:
    if not model.layers:
        raise ValueError("the biLM has no weights yet: run nlp.initialize() or load a pretrained pipeline")
    return model.layers[0](batch, is_train)


def _convert_inputs(model: Model, batch: Any, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    # The batch holds integer ids only: there is no gradient to pass back.
    return ArgsKwargs(args=(batch,), kwargs={}), lambda d_inputs: None
