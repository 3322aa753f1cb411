"""Token encoders: word embeddings and a character CNN with highway layers.

Characters are the UTF-8 bytes of the normalized token, plus three markers
(padding, begin of word, end of word), so no character vocabulary is needed.
"""
from typing import List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from .spec import CharCNNSpec, EncoderSpec

PAD_CHAR, BOW_CHAR, EOW_CHAR = 256, 257, 258
N_CHARS = 259


def char_ids(words: Sequence[str], max_chars: int) -> np.ndarray:
    """``int64 [len(words), max_chars]``: BOW, the word's UTF-8 bytes, EOW, padding.

    Words longer than ``max_chars - 2`` bytes are cut.
    """
    out = np.full((len(words), max_chars), PAD_CHAR, dtype=np.int64)
    out[:, 0] = BOW_CHAR
    for i, word in enumerate(words):
        data = word.encode("utf-8")[: max_chars - 2]
        out[i, 1 : 1 + len(data)] = np.frombuffer(data, dtype=np.uint8)
        out[i, 1 + len(data)] = EOW_CHAR
    return out


class Highway(nn.Module):
    """``y = g * relu(W x) + (1 - g) * x`` with gate ``g = sigmoid(V x)``; width in = width out."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.transform = nn.Linear(width, 2 * width)
        with torch.no_grad():  # start with the gates mostly closed (carry x through)
            self.transform.bias[width:].fill_(-2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``[N, width]`` -> ``[N, width]``."""
        h, gate = self.transform(x).chunk(2, dim=-1)
        gate = torch.sigmoid(gate)
        return gate * torch.relu(h) + (1 - gate) * x


class CharCNN(nn.Module):
    """Char embeddings -> convolutions of several widths -> max-pool -> highways.

    Input: char ids ``[N, max_chars]``; output ``[N, spec.n_filters]``.
    """

    def __init__(self, spec: CharCNNSpec) -> None:
        super().__init__()
        self.spec = spec
        self.embed = nn.Embedding(N_CHARS, spec.char_width, padding_idx=PAD_CHAR)
        self.convs = nn.ModuleList(nn.Conv1d(spec.char_width, n, k) for k, n in spec.filters)
        self.highways = nn.ModuleList(Highway(spec.n_filters) for _ in range(spec.n_highway))

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        x = self.embed(chars).transpose(1, 2)  # [N, char_width, max_chars]
        pooled = [torch.relu(conv(x)).max(dim=-1).values for conv in self.convs]
        h = torch.cat(pooled, dim=-1)
        for highway in self.highways:
            h = highway(h)
        return h


class TokenEncoder(nn.Module):
    """Token ids (and optionally char ids) -> token representation ``[B, T, width]``.

    Concatenates the word embedding and the char CNN output (whichever the
    spec enables) and projects to ``width`` when their total width differs.
    When the encoder has a char CNN and no chars are passed, the chars of
    the vocabulary word of each id are used (``word_chars``).
    """

    def __init__(self, spec: EncoderSpec, n_words: int, width: int, words: Optional[List[str]] = None) -> None:
        super().__init__()
        if not spec.word_width and spec.char_cnn is None:
            raise ValueError("the token encoder needs word embeddings (word_width > 0) or a char CNN")
        self.spec = spec
        self.word_embed = nn.Embedding(n_words, spec.word_width) if spec.word_width else None
        if self.word_embed is not None:
            nn.init.normal_(self.word_embed.weight, std=0.1)
        self.char_cnn = CharCNN(spec.char_cnn) if spec.char_cnn is not None else None
        in_width = spec.word_width + (spec.char_cnn.n_filters if spec.char_cnn else 0)
        self.project = nn.Linear(in_width, width) if in_width != width else None
        if self.char_cnn is not None:
            table = char_ids(words or ["?"] * n_words, spec.char_cnn.max_chars)
            self.register_buffer("word_chars", torch.from_numpy(table), persistent=False)

    def forward(self, ids: torch.Tensor, chars: Optional[torch.Tensor] = None) -> torch.Tensor:
        """ids: ``[B, T]`` word ids; chars: optional ``[B, T, max_chars]``. Returns ``[B, T, width]``."""
        parts = []
        if self.word_embed is not None:
            parts.append(self.word_embed(ids))
        if self.char_cnn is not None:
            parts.append(self._encode_chars(ids, chars))
        x = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
        return self.project(x) if self.project is not None else x

    def _encode_chars(self, ids: torch.Tensor, chars: Optional[torch.Tensor]) -> torch.Tensor:
        if chars is None:  # run the CNN once per distinct word of the batch
            unique, inverse = torch.unique(ids, return_inverse=True)
            return self.char_cnn(self.word_chars[unique])[inverse]
        flat = chars.reshape(-1, chars.shape[-1])
        return self.char_cnn(flat).reshape(*chars.shape[:-1], -1)
