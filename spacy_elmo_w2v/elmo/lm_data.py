"""Text to LM id streams: each sentence followed by ``<eos>`` (the PTB language-model convention).

In memory (:func:`stream_ids`) or streamed: :func:`count_lm_vocab` builds the
vocabulary in one counting pass and :func:`write_lm_id_file` writes the
stream once to an id file that training reads chunk by chunk.
"""
from pathlib import Path
from typing import Iterable, Iterator, Optional, Tuple, Union

import numpy as np

from ..corpus import TokenizedCorpus, empty_corpus_error, encode_corpus
from ..counting import CorpusCounts, count_blocks
from ..idfile import write_id_file
from ..normalize import Normalizer
from ..vocab import UNK, Vocabulary

EOS = "<eos>"


def stream_ids(corpus: TokenizedCorpus, vocab: Vocabulary, normalizer: Normalizer) -> np.ndarray:
    """``int64`` ids of the whole corpus with the ``<eos>`` id after every sentence."""
    encoded = encode_corpus(corpus, vocab, normalizer)
    return np.insert(encoded.ids, encoded.offsets[1:], vocab.index[EOS])


def head_blocks(blocks: Iterable[TokenizedCorpus], max_sentences: Optional[int]) -> Iterator[TokenizedCorpus]:
    """The blocks of a streamed corpus up to its first ``max_sentences`` sentences (all when None)."""
    left = max_sentences
    for block in blocks:
        if left is not None:
            if left <= 0:
                return
            block = block.head(left) if block.n_sentences > left else block
            left -= block.n_sentences
        yield block


def count_lm_vocab(
    blocks: Iterable[TokenizedCorpus],
    normalizer: Normalizer,
    min_count: int,
    *,
    max_size: Optional[int],
    max_count_table: Optional[int],
    source: str,
    min_count_setting: str,
    what: str = "--paths.train",
) -> Tuple[Vocabulary, CorpusCounts]:
    """The LM vocabulary from one counting pass over streamed blocks (bounded memory).

    ``<unk>`` and ``<eos>`` come first, then the words seen ``min_count``
    times or more, the ``max_size`` most frequent when capped (the rest
    read as ``<unk>``). ``max_count_table`` bounds the count table
    (:func:`spacy_elmo_w2v.counting.count_blocks`). Returns the counts too.
    An empty corpus is a :class:`UserInputError` naming ``source`` and ``what``.
    """
    counted = count_blocks(blocks, normalizer, max_count_table)
    if counted.n_tokens == 0:
        raise empty_corpus_error(source, what)
    vocab = Vocabulary.build(
        counted.counts, min_count=min_count, specials=(UNK, EOS), max_size=max_size, source=source,
        min_count_setting=min_count_setting,
    )
    return vocab, counted


def write_lm_id_file(
    blocks: Iterable[TokenizedCorpus], vocab: Vocabulary, normalizer: Normalizer, directory: Union[str, Path]
) -> np.ndarray:
    """Write the LM id stream (``<eos>`` after each sentence) to an id file in ``directory``.

    Returns its ids as a read-only memory map: the same stream :func:`stream_ids`
    gives, without holding the corpus in memory.
    """
    return write_id_file(blocks, vocab, normalizer, directory, sentence_end_id=vocab.index[EOS]).ids
