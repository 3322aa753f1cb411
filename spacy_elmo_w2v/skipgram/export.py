"""Export vectors in the word2vec text format.

The first line is ``<n_words> <width>``; then one line per word: the word and
its values. ``spacy init vectors`` and gensim's
``KeyedVectors.load_word2vec_format`` both read it.
"""
from pathlib import Path
from typing import Union

import numpy as np
from spacy.strings import StringStore
from spacy.vectors import Vectors

from ..errors import UserInputError
from ..output import output_text_file


def write_word2vec(vectors: Vectors, strings: StringStore, path: Union[str, Path]) -> int:
    """Write ``vectors`` (keys looked up in ``strings``) to ``path``; return the number of words.

    One line per row. A row with several keys ("stock", "Stock", "STOCK") is
    written once, under the key spaCy's ``Vectors.most_similar`` reports for
    it: the last one in ``key2row``. Missing parent directories are created.
    Raises :class:`UserInputError` when there are no vectors, a word holds
    whitespace, or ``path`` cannot be written; ``path`` appears only once
    it is written in full.
    """
    path = Path(path)
    data = np.asarray(vectors.data)
    row_key = {row: key for key, row in vectors.key2row.items()}
    rows = sorted(((key, row) for row, key in row_key.items()), key=lambda kr: kr[1])
    if not rows or data.ndim != 2 or data.shape[1] == 0:
        raise UserInputError(f"There are no vectors to write to {path}: train the vectors first (pretrain-skipgram).")
    words = [strings[key] for key, _ in rows]
    for word in words:
        if any(c.isspace() for c in word):
            raise UserInputError(
                f"Cannot write {word!r} in the word2vec text format, which separates words by whitespace: "
                f"its vocabulary comes from a corpus whose tokens hold spaces; re-tokenize it, or save the pipeline "
                f"with nlp.to_disk and read its vectors from there."
            )
    with output_text_file(path) as f:
        f.write(f"{len(rows)} {data.shape[1]}\n")
        for word, (_, row) in zip(words, rows):
            f.write(word + " " + " ".join(f"{x:.6g}" for x in data[row]) + "\n")
    return len(rows)
