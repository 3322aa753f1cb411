"""Text to LM id streams: each sentence followed by ``<eos>`` (the PTB language-model convention)."""
import numpy as np

from ..corpus import TokenizedCorpus, encode_corpus
from ..normalize import Normalizer
from ..vocab import Vocabulary

EOS = "<eos>"


def stream_ids(corpus: TokenizedCorpus, vocab: Vocabulary, normalizer: Normalizer) -> np.ndarray:
    """``int64`` ids of the whole corpus with the ``<eos>`` id after every sentence."""
    encoded = encode_corpus(corpus, vocab, normalizer)
    return np.insert(encoded.ids, encoded.offsets[1:], vocab.index[EOS])
