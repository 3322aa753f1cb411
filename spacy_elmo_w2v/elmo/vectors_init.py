"""Starting the biLM's word embeddings from the static (skip-gram) vectors of a spaCy pipeline."""
from dataclasses import replace
from pathlib import Path
from typing import Dict, Union

import numpy as np
import torch

from ..errors import UserInputError
from ..vocab import Vocabulary
from .bilm import BiLM
from ..storage import load_pipeline
from .spec import BiLMSpec


class StaticVectors:
    """Rows of a pipeline's ``nlp.vocab.vectors`` by normalized word.

    table: float32 ``[n_rows, width]``; rows: word -> row index.
    """

    def __init__(self, table: np.ndarray, rows: Dict[str, int]) -> None:
        self.table = table
        self.rows = rows

    @property
    def width(self) -> int:
        """The vectors' dimension."""
        return int(self.table.shape[1])


def load_static_vectors(path: Union[str, Path]) -> StaticVectors:
    """Read the vectors of the pipeline at ``path`` (``spacy.load(path).vocab.vectors``).

    Raises :class:`UserInputError` when the path is missing, is not a
    pipeline, or holds no vectors.
    """
    nlp = load_pipeline(path, "--paths.vectors", "pretrain-skipgram")
    vectors = nlp.vocab.vectors
    if vectors.size == 0 or vectors.shape[0] == 0:
        raise UserInputError(f"The pipeline at --paths.vectors {path} holds no word vectors (nlp.vocab.vectors is empty).")
    strings = nlp.vocab.strings
    rows = {strings[int(key)]: int(row) for key, row in vectors.key2row.items() if int(key) in strings}
    return StaticVectors(np.asarray(vectors.data, dtype=np.float32), rows)


def spec_for_vectors(spec: BiLMSpec, vectors: StaticVectors) -> BiLMSpec:
    """The spec with word embeddings as wide as the vectors (the encoder projects them to the LSTM width)."""
    return replace(spec, encoder=replace(spec.encoder, word_width=vectors.width))


@torch.no_grad()
def init_word_embeddings(bilm: BiLM, vocab: Vocabulary, vectors: StaticVectors) -> int:
    """Copy the vector of every vocabulary word that has one into the word embeddings; returns how many."""
    embed = bilm.encoder.word_embed
    if embed is None or embed.embedding_dim != vectors.width:
        raise ValueError("the biLM must be built from spec_for_vectors(spec, vectors)")
    ids = [i for i, w in enumerate(vocab.words) if w in vectors.rows]
    if ids:
        rows = [vectors.rows[vocab.words[i]] for i in ids]
        embed.weight[torch.tensor(ids)] = torch.from_numpy(vectors.table[rows])
    return len(ids)
