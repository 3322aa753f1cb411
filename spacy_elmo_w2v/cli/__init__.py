"""The command-line interface: ``python -m spacy_elmo_w2v --help``.

Each command lives in a module of its own and registers itself on ``app``.
"""
from ._util import app  # noqa: F401
# Command modules register themselves on import:
from . import pretrain_elmo  # noqa: E402,F401
from . import evaluate_perplexity  # noqa: E402,F401
