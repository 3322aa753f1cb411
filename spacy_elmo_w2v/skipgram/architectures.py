"""The registered skip-gram architecture (``@architectures = "spacy_elmo_w2v.SkipGram.v1"``).

This module is behind an entry point, so torch is imported only when a model
is initialized, not at import time.
"""
from typing import Any, Optional

from spacy.util import registry
from thinc.api import Model

from ..settings import check_value
from ..wrapping import wrap_torch_module


@registry.architectures("spacy_elmo_w2v.SkipGram.v1")
def build_skipgram(width: int) -> Model:
    """A skip-gram (SGNS) model of ``width``-dimensional input and output vectors.

    In: a ``SGNSBatch`` (centers, their windows, context mask, shared noise
    words). Out: the batch's mean negative-sampling loss as a 0-d array; its
    backprop accumulates gradients into the torch embedding tables.

    The vocabulary size (dim ``nV``) is set by the component before
    ``initialize``, which builds the wrapped torch ``SkipGramModel``.
    """
    check_value("components.skipgram_vectors.model.width", width, int, minimum=1)
    return Model(
        "skipgram",
        _forward_inner,
        init=_init_skipgram,
        dims={"nO": width, "nV": None},
        layers=[],
    )


def _init_skipgram(model: Model, X: Optional[Any] = None, Y: Optional[Any] = None) -> None:
    if model.layers:
        return
    from .model import SkipGramModel

    model.layers.append(wrap_torch_module(SkipGramModel(model.get_dim("nV"), model.get_dim("nO"))))


def _forward_inner(model: Model, X: Any, is_train: bool):
    return model.layers[0](X, is_train)
