"""spacy-elmo-w2v: train skip-gram (word2vec) and ELMo embeddings inside spaCy.

Importing this package is cheap: torch is imported only when a model is built
or trained, because spaCy imports the modules behind our entry points every
time it creates a ``Language``.
"""
from .about import __version__

__all__ = ["__version__"]
