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


def write_word2vec(vectors: Vectors, strings: StringStore, path: Union[str, Path]) -> int:
    """Write ``vectors`` (keys looked up in ``strings``) to ``path``; return the number of words.

    Missing parent directories are created. Raises :class:`UserInputError`
    when there are no vectors or ``path`` cannot be written.
    """
    path = Path(path)
    data = np.asarray(vectors.data)
    rows = sorted(vectors.key2row.items(), key=lambda kr: kr[1])
    if not rows or data.ndim != 2 or data.shape[1] == 0:
        raise UserInputError(f"There are no vectors to write to {path}: train the vectors first (pretrain-skipgram).")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = path.open("w", encoding="utf8")
    except OSError as e:
        raise UserInputError(f"Cannot write {path} ({e.strerror or e}): choose a writable file path.") from None
    with f:
        f.write(f"{len(rows)} {data.shape[1]}\n")
        for key, row in rows:
            word = strings[key]
            if any(c.isspace() for c in word):
                raise ValueError(f"cannot write {word!r} in word2vec text format: it contains whitespace")
            f.write(word + " " + " ".join(f"{x:.6g}" for x in data[row]) + "\n")
    return len(rows)
