"""Token normalization shared by training and lookup.

The same normalizer turns corpus tokens into vocabulary keys at training time
and ``Token.text`` into lookup keys at run time, so "Stock" finds "stock" and
"1,987.5" finds "N" (the Penn Treebank convention for numbers).
"""
import re
from typing import Callable

from spacy.util import registry

Normalizer = Callable[[str], str]

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,:/\\]\d+)*|[.,]\d+)$")


@registry.misc("spacy_elmo_w2v.PTBNormalizer.v1")
class PTBNormalizer:
    """Penn-Treebank-style normalizer: lowercase, numbers -> ``number_token``.

    Registered as it is (config: ``@misc``), so the class's defaults are the config's.

    A number is a token made of digits, optionally signed and separated by
    ``. , : /`` ("1987", "1,987.5", "3/4", "-0.5"); words that merely contain
    digits ("1980s", "p53") are only lowercased, as in Mikolov's PTB.
    """

    def __init__(self, lowercase: bool = True, number_token: str = "N") -> None:
        self.lowercase = lowercase
        self.number_token = number_token

    def __call__(self, text: str) -> str:
        """Map one token string to its normalized form."""
        if self.number_token and (text == self.number_token or _NUMBER.match(text)):
            return self.number_token
        return text.lower() if self.lowercase else text

    def __repr__(self) -> str:
        return f"PTBNormalizer(lowercase={self.lowercase}, number_token={self.number_token!r})"

    def __reduce__(self):
        return (PTBNormalizer, (self.lowercase, self.number_token))
