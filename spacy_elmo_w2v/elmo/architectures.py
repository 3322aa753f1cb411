"""Registered architectures (``@architectures = "spacy_elmo_w2v.<Name>.v1"``).

The biLM's functions turn config values into a plain spec (no torch): the
torch modules are built when the vocabulary is known (``initialize``,
pretraining, or loading from disk). ``ElmoListener.v1`` and ``ElmoEmbed.v1``
are the layers downstream components (tagger, parser, NER, textcat) use to
read the biLM's layers. This module is behind an entry point: no torch import.
"""
from typing import List, Optional, Union

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Maxout, Model, chain, concatenate, with_array
from thinc.types import Floats2d

from ..errors import UserInputError
from ..settings import check_value, describe, fits
from .listener import ElmoListener
from .spec import BiLMSpec, CharCNNSpec, EncoderSpec, HeadSpec
from .thinc_model import make_bilm_model


# Where configs/elmo.cfg puts the biLM: the settings that error messages name.
MODEL = "components.elmo_vectors.model"


@registry.architectures("spacy_elmo_w2v.CharCNN.v1")
def char_cnn(char_width: int, filters: List[List[int]], n_highway: int, max_chars: int) -> CharCNNSpec:
    """A character CNN: char embeddings of ``char_width``, one convolution per
    ``[kernel_width, n_filters]`` in ``filters``, max-pooling, ``n_highway``
    highway layers. Tokens keep at most ``max_chars`` characters (with markers).
    Returns a :class:`.spec.CharCNNSpec`."""
    where = f"{MODEL}.encoder.char_cnn"
    check_value(f"{where}.char_width", char_width, int, minimum=1)
    check_value(f"{where}.n_highway", n_highway, int, minimum=0)
    check_value(f"{where}.max_chars", max_chars, int, minimum=3)  # the begin and end markers and a character
    pairs_ok = isinstance(filters, (list, tuple)) and len(filters) > 0 and all(
        isinstance(f, (list, tuple)) and len(f) == 2 and all(fits(x, int, minimum=1) for x in f) and f[0] <= max_chars
        for f in filters
    )
    if not pairs_ok:
        raise UserInputError(
            f"--{where}.filters must be a non-empty list of [kernel_width, n_filters] pairs of integers >= 1, "
            f"kernel_width at most max_chars ({max_chars}), not {filters!r}. Fix it in the config or the override."
        )
    return CharCNNSpec(char_width, [list(f) for f in filters], n_highway, max_chars)


@registry.architectures("spacy_elmo_w2v.TokenEncoder.v1")
def token_encoder(word_width: int, char_cnn: Optional[CharCNNSpec]) -> EncoderSpec:
    """A token encoder: word embeddings of ``word_width`` (0 for none; when
    pretraining from skip-gram vectors their width is used) and/or a char CNN
    (``None`` for none). Returns a :class:`.spec.EncoderSpec`."""
    check_value(f"{MODEL}.encoder.word_width", word_width, int, minimum=0)
    if not word_width and char_cnn is None:
        raise UserInputError(
            "The biLM's token encoder has neither word embeddings (word_width = 0) nor a char CNN (char_cnn = null): "
            "set [components.elmo_vectors.model.encoder] word_width > 0 or give it a char CNN (see the README)."
        )
    return EncoderSpec(word_width, char_cnn)


@registry.architectures("spacy_elmo_w2v.SoftmaxHead.v1")
def softmax_head(kind: str, cutoffs: List[int], div_value: float, tie_embeddings: bool) -> HeadSpec:
    """The output layer: ``kind`` ``"full"`` or ``"adaptive"``; adaptive-softmax
    ``cutoffs`` and ``div_value``; ``tie_embeddings`` shares the full
    softmax's weights with the word embeddings. Returns a :class:`.spec.HeadSpec`."""
    where = f"[{MODEL}.head]"
    if kind not in ("full", "adaptive"):
        raise UserInputError(f"{where} kind must be \"full\" or \"adaptive\", not {kind!r}.")
    check_value(f"{MODEL}.head.div_value", div_value, float, above=0)
    if not isinstance(cutoffs, (list, tuple)) or not all(fits(c, int, minimum=1) for c in cutoffs):
        raise UserInputError(
            f"--{MODEL}.head.cutoffs must be a list of word ids >= 1 (cluster boundaries), not {cutoffs!r}. "
            f"Fix it in the config or the override."
        )
    if tie_embeddings and kind != "full":
        raise UserInputError(
            f"{where} tie_embeddings works with the full softmax only: set kind = \"full\" or tie_embeddings = false."
        )
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
    check_value(f"{MODEL}.n_layers", n_layers, int, minimum=1)
    check_value(f"{MODEL}.hidden_size", hidden_size, int, minimum=1)
    check_value(f"{MODEL}.projection_size", projection_size, int, minimum=0)
    check_value(f"{MODEL}.dropout", dropout, float, minimum=0, below=1)
    spec = BiLMSpec(encoder, head, n_layers, hidden_size, projection_size, residual, dropout)
    return make_bilm_model(spec)


@registry.architectures("spacy_elmo_w2v.ElmoListener.v1")
def elmo_listener(
    width: int,
    upstream: str = "*",
    dropout: float = 0.0,
    layer_norm: bool = False,
    mix_l2: float = 0.0,
) -> Model[List[Doc], List[Floats2d]]:
    """The task's ELMo vectors: reads the L + 1 biLM layers that the
    ``elmo_vectors`` component named ``upstream`` (``"*"``: any) stored on each
    doc, and mixes them as ``gamma * sum_j softmax(s)_j * h_j`` with this
    component's own ``s`` (initialised to 0) and ``gamma`` (1), learned by
    ``nlp.update`` and saved with the component. The biLM gets no gradient.

    width: the biLM's output width D (2 x its projection_size: 256 for
        configs/elmo.cfg, 1024 for its GPU preset); a mismatch with the
        stored layers is an error that names the right value.
    dropout: dropout rate on the mixed vectors while training.
    layer_norm: normalize each layer per token (no parameters) before mixing.
    mix_l2: adds ``mix_l2 * ||s||^2`` to the loss (0 = none).

    Returns ``Model[List[Doc], List[Floats2d]]``: one ``[len(doc), width]``
    array per doc, so it fits any ``tok2vec`` slot (``spacy.Tagger.v2``,
    ``spacy.TransitionBasedParser.v2``, the textcat models).
    """
    name = "spacy_elmo_w2v.ElmoListener.v1"
    for setting, value, kind, bounds in (
        ("width", width, int, {"minimum": 1}),
        ("dropout", dropout, float, {"minimum": 0, "below": 1}),
        ("layer_norm", layer_norm, bool, {}),
        ("mix_l2", mix_l2, float, {"minimum": 0}),
    ):
        if not fits(value, kind, **bounds):
            # the listener sits wherever a config puts it, so the message names the block, not a path
            raise UserInputError(
                f"{setting} of {name} must be {describe(kind, **bounds)}, not {value!r}. Fix it in the block with "
                f'@architectures = "{name}" (configs/tagger_elmo.cfg: --components.tok2vec.model.embed.elmo.{setting}).'
            )
    return ElmoListener(width, upstream, dropout=dropout, layer_norm=layer_norm, mix_l2=mix_l2)


@registry.architectures("spacy_elmo_w2v.ElmoEmbed.v1")
def elmo_embed(
    width: int,
    attrs: List[Union[str, int]],
    rows: List[int],
    include_static_vectors: bool,
    elmo: Model[List[Doc], List[Floats2d]],
) -> Model[List[Doc], List[Floats2d]]:
    """spaCy's ``MultiHashEmbed.v2`` (same ``width``, ``attrs``, ``rows``,
    ``include_static_vectors``) concatenated with ``elmo`` (an
    ``ElmoListener.v1``), mixed down to ``width`` by a Maxout layer with layer
    normalization, as MultiHashEmbed mixes its own features. For the ``embed``
    slot of ``spacy.Tok2Vec.v2``.

    Returns ``Model[List[Doc], List[Floats2d]]``, ``[len(doc), width]`` per doc.
    """
    hash_embed = registry.get("architectures", "spacy.MultiHashEmbed.v2")(
        width=width, attrs=attrs, rows=rows, include_static_vectors=include_static_vectors
    )
    n_inputs = width + elmo.get_dim("nO")
    model = chain(
        concatenate(hash_embed, elmo),
        with_array(Maxout(width, n_inputs, nP=3, dropout=0.0, normalize=True)),
    )
    model.set_dim("nO", width)
    model.set_ref("hash_embed", hash_embed)
    model.set_ref("elmo", elmo)
    return model
