"""How spaCy finds a skip-gram vector for a token, without touching the token.

The vectors are trained on normalized words ("stock", "N"), but spaCy looks
vectors up by a token attribute. Rewriting ``token.norm_`` would change what
every later component sees (NORM is a default feature of spaCy's tok2vec), so
the table is keyed by ORTH, spaCy's default, and one row can have several
keys (``Vectors.add(key, row=...)``):

- each normalized word is a key of its row;
- its title-case and upper-case forms ("Stock", "STOCK") are keys of the same
  row when the normalizer maps them to that word; these are made with the
  table, so any pipeline that loads the vectors (``[initialize] vectors`` of a
  tagger, ``spacy.load``) finds them, with or without our component;
- any other surface form ("1,987.5" -> "N") becomes a key of its row when the
  component first sees it in a doc (:func:`add_surface_keys`).

spaCy's ``Vectors.most_similar`` reports, for each row, the key inserted last
into ``key2row``; the normalized word is therefore always (re)inserted after
its aliases, so neighbours come back as "stock", not "STOCK".

No torch here: this module is imported by the component behind the
``spacy_factories`` entry point.
"""
from typing import Sequence

import numpy as np
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc
from spacy.vectors import Vectors

from ..normalize import Normalizer


def build_vectors_table(
    strings: StringStore, data: np.ndarray, words: Sequence[str], normalize: Normalizer, name: str
) -> Vectors:
    """A spaCy ``Vectors`` table with row ``i`` for ``words[i]``, keyed by ORTH.

    data: ``[len(words), width]`` float32 vectors.
    Returns a table whose keys are every word and its title-case and
    upper-case forms that ``normalize`` maps back to it and that are not
    words themselves; each word's own key comes last.
    """
    if len(words) != data.shape[0]:
        raise ValueError(f"{len(words)} words but {data.shape[0]} vector rows")
    table = Vectors(strings=strings, data=np.ascontiguousarray(data, dtype=np.float32), name=name)
    known = set(words)
    add, add_string = table.add, strings.add
    for row, word in enumerate(words):
        title, upper = word.title(), word.upper()
        if title != word and title not in known and normalize(title) == word:
            add(add_string(title), row=row)
        if upper != word and upper != title and upper not in known and normalize(upper) == word:
            add(add_string(upper), row=row)
    for row, word in enumerate(words):
        add(add_string(word), row=row)
    return table


def add_surface_keys(table: Vectors, doc: Doc, normalize: Normalizer) -> int:
    """Make every token of ``doc`` whose normalized form has a row a key of that row.

    Tokens that are keys already are skipped; returns how many keys were added.
    ``doc`` and its tokens are not changed.
    """
    strings = doc.vocab.strings
    key2row = table.key2row
    added = 0
    for orth in dict.fromkeys(int(token.orth) for token in doc):
        if orth in key2row:
            continue
        word_key = get_string_id(normalize(strings[orth]))
        row = key2row.get(word_key)
        if row is None:
            continue
        table.add(orth, row=row)
        key2row[word_key] = key2row.pop(word_key)  # the word stays the row's last key
        added += 1
    return added
