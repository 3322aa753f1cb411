"""Plain descriptions of a biLM (no torch): what the config says, what disk holds.

The registered architectures return these specs; :func:`.bilm.build_bilm`
turns a spec plus a vocabulary size into torch modules. Keeping them apart
lets spaCy build a pipeline from a config without importing torch, and lets a
saved component rebuild exactly the module it was trained with.
"""
from dataclasses import asdict, dataclass
from typing import List, Optional


@dataclass
class CharCNNSpec:
    """A character CNN token encoder.

    char_width: width of each character embedding (characters are UTF-8 bytes).
    filters: ``[[kernel_width, n_filters], ...]``, one convolution per pair.
    n_highway: number of highway layers over the pooled filters.
    max_chars: characters kept per token (longer tokens are cut).
    """

    char_width: int
    filters: List[List[int]]
    n_highway: int
    max_chars: int

    @property
    def n_filters(self) -> int:
        """The char CNN's output width: the filters of every width together."""
        return sum(n for _, n in self.filters)


@dataclass
class EncoderSpec:
    """The token encoder: word embeddings and/or a char CNN, projected to the LSTM width.

    word_width: width of the word embedding table; 0 for no word embeddings.
    char_cnn: a :class:`CharCNNSpec`, or None for no character CNN.
    """

    word_width: int
    char_cnn: Optional[CharCNNSpec]


@dataclass
class HeadSpec:
    """The softmax output layer shared by both directions.

    kind: ``"full"`` or ``"adaptive"`` (``torch.nn.AdaptiveLogSoftmaxWithLoss``).
    cutoffs: adaptive-softmax cluster boundaries (word ids, ascending); cutoffs
        at or past the vocabulary size are dropped.
    div_value: adaptive-softmax width divisor from one cluster to the next.
    tie_embeddings: full softmax only; share the output weights with the input
        word embeddings (needs ``word_width == projection_size``).
    """

    kind: str
    cutoffs: List[int]
    div_value: float
    tie_embeddings: bool


@dataclass
class BiLMSpec:
    """A whole biLM: encoder, two LSTM stacks (one per direction), head.

    n_layers: LSTM layers per direction.
    hidden_size: LSTM cell size.
    projection_size: width of each layer's output; 0 means no projection
        (output width = hidden_size). The encoder is projected to this width
        so that residual connections and layer 0 line up.
    residual: add each layer's input to its output, from layer 2 on.
    dropout: dropout on the token representation, between layers and before
        the softmax (training only).
    """

    encoder: EncoderSpec
    head: HeadSpec
    n_layers: int
    hidden_size: int
    projection_size: int
    residual: bool
    dropout: float

    @property
    def width(self) -> int:
        """The width of one direction's output (P)."""
        return self.projection_size or self.hidden_size

    @property
    def output_width(self) -> int:
        """D = 2 * P: the width of every layer of :meth:`.bilm.BiLM.layers`."""
        return 2 * self.width

    def to_dict(self) -> dict:
        """A JSON-serializable dict; :meth:`from_dict` inverts it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "BiLMSpec":
        """The spec :meth:`to_dict` wrote (nested encoder, char CNN and head sections)."""
        data = dict(data)
        enc = dict(data.pop("encoder"))
        char = enc.pop("char_cnn")
        encoder = EncoderSpec(char_cnn=CharCNNSpec(**char) if char else None, **enc)
        return cls(encoder=encoder, head=HeadSpec(**data.pop("head")), **data)
