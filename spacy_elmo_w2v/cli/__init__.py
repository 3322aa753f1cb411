"""The command-line interface: ``python -m spacy_elmo_w2v --help``.

Each command lives in a module of its own and registers itself on ``app``.
"""
from ._util import app  # noqa: F401
# Command modules register themselves on import:
from . import evaluate_perplexity, evaluate_similarity, export_word2vec, pretrain_elmo, pretrain_skipgram  # noqa: F401
