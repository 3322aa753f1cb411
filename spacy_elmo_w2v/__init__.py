"""spacy-elmo-w2v: train skip-gram (word2vec) and ELMo embeddings inside spaCy.

Importing this package is cheap: torch is imported only when a model is built
or trained, because spaCy imports the modules behind our entry points every
time it creates a ``Language``.
"""
from .about import __version__

__all__ = ["__version__"]


def __getattr__(name: str):
    # Lazy: ``spacy_elmo_w2v.restore_elmo_hooks`` without importing the ELMo package up front.
    if name == "restore_elmo_hooks":
        from .elmo.hooks import restore_elmo_hooks

        return restore_elmo_hooks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
