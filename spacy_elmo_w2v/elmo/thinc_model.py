"""The thinc side of the biLM: a ``Model`` that holds a ``PyTorchWrapper`` once the vocabulary is known.

The torch module's size depends on the vocabulary, which a config does not
know; so the thinc model starts empty (with the :class:`.spec.BiLMSpec` in
``attrs["spec"]``) and :func:`attach_bilm` puts the wrapped module in.
No torch import at import time.
"""
from typing import Any, Callable, Optional, Tuple

from thinc.api import Model

from ..errors import UserInputError
from ..wrapping import wrap_torch_module, wrapped_torch_module
from .spec import BiLMSpec


def make_bilm_model(spec: BiLMSpec) -> Model:
    """An empty biLM model: ``Model[LMBatch, Floats0d]`` (batch in, loss out) once a module is attached."""
    return Model("elmo_bilm", _forward, attrs={"spec": spec}, layers=[])


def attach_bilm(model: Model, module: Any) -> None:
    """Put the torch ``BiLM`` module into ``model`` (replacing any earlier one)."""
    model.layers[:] = [wrap_torch_module(module)]  # thinc documents editing model.layers in place
    model.attrs["spec"] = module.spec


def get_bilm(model: Model) -> Optional[Any]:
    """The attached torch ``BiLM`` module, or None before one is attached."""
    return wrapped_torch_module(model)


def _forward(model: Model, batch: Any, is_train: bool) -> Tuple[Any, Callable]:
    if not model.layers:
        raise UserInputError("The biLM has no weights yet: run nlp.initialize() or load a pretrained pipeline.")
    return model.layers[0](batch, is_train)

