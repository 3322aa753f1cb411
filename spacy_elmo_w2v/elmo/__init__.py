"""ELMo: a bidirectional LSTM language model and the ``elmo_vectors`` component.

Modules that import torch at import time (``encoder``, ``lstm``, ``heads``,
``scalar_mix``, ``bilm``, ``batching``, ``objective``, ``train``, ``lm``) are
never imported by the entry-point modules (``architectures``, ``component``)
at import time, so ``spacy.blank("en")`` stays free of torch.
"""
from .hooks import restore_elmo_hooks  # noqa: F401  (no torch import)

__all__ = ["restore_elmo_hooks"]
