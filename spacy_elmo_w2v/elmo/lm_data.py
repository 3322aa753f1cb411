"""Text to LM id streams: each sentence followed by ``<eos>`` (the PTB language-model convention).

In memory (:func:`stream_ids`) or streamed to an id file that training reads
chunk by chunk: ``pretrain-elmo`` writes the training stream from the ids its
one text pass staged (:mod:`..staging`, ``sentence_end_id`` = ``<eos>``);
:func:`write_lm_id_file` writes a stream from text (the dev set, a resumed run).
"""
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

import numpy as np

from ..corpus import TokenizedCorpus, encode_corpus
from ..idfile import IdArray, write_id_file
from ..normalize import Normalizer
from ..vocab import Vocabulary

EOS = "<eos>"
# The stream layout that perplexity of a finished biLM is measured in unless told otherwise
# (evaluate-perplexity, LanguageModel): 10 rows of 35-token chunks, as PyTorch's
# word_language_model example evaluates PTB. The dev perplexity that pretrain-elmo reports
# uses [pretrain] eval_batch_size rows and bptt instead: the layout changes perplexity a little
# (each row starts with an empty state).
EVAL_ROWS = 10
EVAL_BPTT = 35


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
        del block  # not held while the next block is read


def write_lm_id_file(
    blocks: Iterable[TokenizedCorpus], vocab: Vocabulary, normalizer: Normalizer, directory: Union[str, Path]
) -> IdArray:
    """Write the LM id stream (``<eos>`` after each sentence) to an id file in ``directory``.

    Returns its ids, read from the file on demand (:class:`..idfile.DiskArray`): the
    same stream :func:`stream_ids` gives, without holding the corpus in memory.
    """
    return write_id_file(blocks, vocab, normalizer, directory, sentence_end_id=vocab.index[EOS]).ids
