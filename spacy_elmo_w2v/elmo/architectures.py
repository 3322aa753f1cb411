"""Registered architectures of the biLM (``@architectures = "spacy_elmo_w2v.<Name>.v1"``).

Each function turns config values into a plain spec (no torch): the torch
modules are built when the vocabulary is known (``initialize``, pretraining,
or loading from disk). This module is behind an entry point: no torch import.
"""
from typing import List, Optional

from spacy.util import registry
from thinc.api import Model

from .spec import BiLMSpec, CharCNNSpec, EncoderSpec, HeadSpec
from .thinc_model import make_bilm_model


@registry.architectures("spacy_elmo_w2v.CharCNN.v1")
def char_cnn(char_width: int, filters: List[List[int]], n_highway: int, max_chars: int) -> CharCNNSpec:
    """A character CNN: char embeddings of ``char_width``, one convolution per
    ``[kernel_width, n_filters]`` in ``filters``, max-pooling, ``n_highway``
    highway layers. Tokens keep at most ``max_chars`` characters (with markers).
    Returns a :class:`.spec.CharCNNSpec`."""
    return CharCNNSpec(char_width, [list(f) for f in filters], n_highway, max_chars)


@registry.architectures("spacy_elmo_w2v.TokenEncoder.v1")
def token_encoder(word_width: int, char_cnn: Optional[CharCNNSpec]) -> EncoderSpec:
    """A token encoder: word embeddings of ``word_width`` (0 for none; when
    pretraining from skip-gram vectors their width is used) and/or a char CNN
    (``None`` for none). Returns a :class:`.spec.EncoderSpec`."""
    return EncoderSpec(word_width, char_cnn)


@registry.architectures("spacy_elmo_w2v.SoftmaxHead.v1")
def softmax_head(kind: str, cutoffs: List[int], div_value: float, tie_embeddings: bool) -> HeadSpec:
    """The output layer: ``kind`` ``"full"`` or ``"adaptive"``; adaptive-softmax
    ``cutoffs`` and ``div_value``; ``tie_embeddings`` shares the full
    softmax's weights with the word embeddings. Returns a :class:`.spec.HeadSpec`."""
    if kind not in ("full", "adaptive"):
        raise ValueError(f"SoftmaxHead kind must be \"full\" or \"adaptive\", not {kind!r}")
    return HeadSpec(kind, list(cutoffs), div_value, tie_embeddings)


@registry.architectures("spacy_elmo_w2v.BiLM.v1")
def bilm(
    encoder: EncoderSpec,
    head: HeadSpec,
    n_layers: int,
    hidden_size: int,
    projection_size: int,
    residual: bool,
    dropout: float,
) -> Model:
    """The biLM: ``encoder``, a forward and a backward stack of ``n_layers``
    LSTMs (``hidden_size`` cells, outputs projected to ``projection_size``,
    0 for none; ``residual`` connections from layer 2 on; ``dropout``), and a
    shared softmax ``head``.

    Returns a thinc ``Model`` whose torch module is attached once the
    vocabulary is known; its forward pass takes an LM batch and returns the
    loss, so ``nlp.update`` fine-tunes it.
    """
    spec = BiLMSpec(encoder, head, n_layers, hidden_size, projection_size, residual, dropout)
    return make_bilm_model(spec)
