"""The counting pass: normalized word counts of a streamed corpus, in bounded memory.

Counts are kept in one table of normalized words. When the table grows past
``max_vocab_size`` entries, every word counted at most ``min_reduce`` times
is dropped and ``min_reduce`` goes up by one (as gensim's ``max_vocab_size``
does), so memory is bounded by the cap, not by the corpus. Pruned counts are
lost: a word that was pruned and seen again later is undercounted. The result
says how much was pruned so the caller can tell the user.
"""
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional

from .corpus import TokenizedCorpus, empty_corpus_error
from .normalize import Normalizer


@dataclass
class CorpusCounts:
    """What the counting pass saw.

    counts: normalized word -> count (after any pruning).
    n_tokens, n_sentences: the corpus size.
    n_prunes: how often the table was pruned (0: the counts are exact).
    min_reduce: words counted fewer than this many times may be missing.
    """

    counts: Dict[str, int] = field(default_factory=dict)
    n_tokens: int = 0
    n_sentences: int = 0
    n_prunes: int = 0
    min_reduce: int = 1

    @property
    def pruned(self) -> bool:
        """Whether the count table was pruned at least once (counts of rare words may then be low)."""
        return self.n_prunes > 0


def count_blocks(
    blocks: Iterable[TokenizedCorpus],
    normalizer: Normalizer,
    max_vocab_size: Optional[int] = None,
    start: Optional[CorpusCounts] = None,
) -> CorpusCounts:
    """Count normalized words over a stream of blocks (see :func:`corpus.iter_corpus_blocks`).

    The normalizer runs once per distinct token of each block. With
    ``max_vocab_size`` set, the table never holds more than that many words
    after a block has been added (see the module docstring).
    start: counts of the blocks before these (taken over and added to; a table
        already past ``max_vocab_size`` is pruned first).
    """
    from collections import Counter

    result = start if start is not None else CorpusCounts()
    counts = result.counts
    prune_to_cap(result, max_vocab_size)
    for block in blocks:
        result.n_tokens += len(block)
        result.n_sentences += block.n_sentences
        for word, n in Counter(block.tokens).items():
            key = normalizer(word)
            counts[key] = counts.get(key, 0) + n
        prune_to_cap(result, max_vocab_size)
        del block  # not held while the next block is read
    return result


def prune_to_cap(result: CorpusCounts, max_vocab_size: Optional[int]) -> None:
    """Prune ``result``'s table (see the module docstring) until it holds at most ``max_vocab_size`` words."""
    while max_vocab_size is not None and len(result.counts) > max_vocab_size:
        _prune(result.counts, result.min_reduce)
        result.min_reduce += 1
        result.n_prunes += 1


def _prune(counts: Dict[str, int], min_reduce: int) -> None:
    """Drop, in place, every word counted at most ``min_reduce`` times."""
    for word in [w for w, n in counts.items() if n <= min_reduce]:
        del counts[word]


def count_corpus(
    blocks: Iterable[TokenizedCorpus],
    normalizer: Normalizer,
    max_count_table: Optional[int],
    *,
    source: str,
    what: str = "--paths.train",
) -> CorpusCounts:
    """The pretraining commands' counting pass: :func:`count_blocks`, then an
    error naming ``source`` and ``what`` when the corpus is empty, and a warning
    naming ``[pretrain] max_count_table`` when the table had to be pruned."""
    return checked_counts(count_blocks(blocks, normalizer, max_count_table), max_count_table, source=source, what=what)


def checked_counts(counted: CorpusCounts, max_count_table: Optional[int], *, source: str, what: str) -> CorpusCounts:
    """``counted``, once checked: an error naming ``source`` and ``what`` when the
    corpus is empty, a warning naming ``[pretrain] max_count_table`` when it was pruned."""
    from wasabi import msg

    if counted.n_tokens == 0:
        raise empty_corpus_error(source, what)
    if counted.pruned:
        msg.warn(
            f"The word count table passed max_count_table={max_count_table:,} and was pruned "
            f"{counted.n_prunes} times: words seen fewer than {counted.min_reduce} times may be missing or "
            f"undercounted. Raise [pretrain] max_count_table if you have the memory."
        )
    return counted
