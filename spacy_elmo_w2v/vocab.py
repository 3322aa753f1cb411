"""A frequency-sorted word vocabulary: counts, ``min_count``, ids.

Words are sorted by count (most frequent first), after the special tokens.
Encoding a corpus maps every token to an id in one C-level pass
(``dict.get`` over the token list), never a Python loop per token.
"""
from collections import Counter
from itertools import repeat
from operator import itemgetter
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .errors import UserInputError

UNK = "<unk>"


class Vocabulary:
    """Words with their corpus counts; id ``i`` is ``words[i]``.

    words: the vocabulary, specials first, then by descending count.
    counts: ``int64`` array, the corpus count of each word (0 for specials
        that never occur).
    unk: the word that stands for every out-of-vocabulary token.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int], unk: str = UNK) -> None:
        if len(words) != len(counts):
            raise ValueError(f"{len(words)} words but {len(counts)} counts")
        self.words: List[str] = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.index: Dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("duplicate words in vocabulary")
        if unk not in self.index:
            raise ValueError(f"the unknown-word token {unk!r} is not in the vocabulary")
        self.unk = unk
        self.unk_id = self.index[unk]

    @classmethod
    def build(
        cls,
        counts: Mapping[str, int],
        min_count: int,
        specials: Sequence[str] = (UNK,),
        unk: str = UNK,
        max_size: Optional[int] = None,
        source: str = "the corpus",
        min_count_setting: str = "min_count",
    ) -> "Vocabulary":
        """Build a vocabulary from normalized word counts.

        Words with a count below ``min_count`` are dropped (their count goes
        to ``unk``); ``max_size`` keeps only the most frequent words. Raises
        :class:`UserInputError` when nothing is left, naming
        ``min_count_setting`` (the dotted setting that sets ``min_count``).
        """
        specials = list(dict.fromkeys([unk, *specials]))
        kept: List[Tuple[str, int]] = []
        dropped = 0
        for word, n in counts.items():
            if word in specials:
                continue
            if n >= min_count:
                kept.append((word, int(n)))
            else:
                dropped += int(n)
        kept.sort(key=itemgetter(0))  # ties in count: alphabetical
        kept.sort(key=itemgetter(1), reverse=True)  # stable: most frequent first
        if max_size is not None and len(kept) > max_size:
            dropped += sum(n for _, n in kept[max_size:])
            kept = kept[:max_size]
        if not kept:
            most = max(counts.values()) if counts else 0
            raise UserInputError(
                f"The vocabulary of {source} is empty: no word occurs at least "
                f"min_count={min_count} times (the most frequent occurs {most} times). "
                f"Lower it (--{min_count_setting} {max(most, 1)}) or use a larger corpus."
            )
        special_counts = [int(counts.get(s, 0)) for s in specials]
        special_counts[0] += dropped
        words = specials + [w for w, _ in kept]
        return cls(words, special_counts + [n for _, n in kept], unk=unk)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Map normalized tokens to ids (``int64``); unknown tokens get ``unk_id``."""
        tokens = tokens if isinstance(tokens, (list, tuple)) else list(tokens)
        return np.fromiter(
            map(self.index.get, tokens, repeat(self.unk_id)), dtype=np.int64, count=len(tokens)
        )

    def encode_raw(
        self, tokens: Sequence[str], normalizer: Callable[[str], str], dtype: "np.typing.DTypeLike" = np.int64
    ) -> np.ndarray:
        """Map raw tokens to ids (``dtype``), normalizing each distinct token once; unknown words get ``unk_id``."""
        index, unk = self.index, self.unk_id
        to_id = {token: index.get(normalizer(token), unk) for token in set(tokens)}
        return np.fromiter(map(to_id.__getitem__, tokens), dtype=dtype, count=len(tokens))

    def decode(self, ids: Iterable[int]) -> List[str]:
        """Map ids back to words."""
        return [self.words[int(i)] for i in ids]

    def to_dict(self) -> dict:
        """A msgpack/JSON-serializable dict; :meth:`from_dict` inverts it exactly."""
        return {"words": self.words, "counts": self.counts.tolist(), "unk": self.unk}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabulary":
        """The vocabulary :meth:`to_dict` wrote."""
        return cls(data["words"], data["counts"], unk=data["unk"])


def count_tokens(tokens: Iterable[str]) -> Counter:
    """Count token strings (``collections.Counter`` counts in C)."""
    return Counter(tokens)
