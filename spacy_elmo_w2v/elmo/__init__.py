"""ELMo: a bidirectional LSTM language model, the ``elmo_vectors`` component,
and the listener layers through which downstream components read its layers.

Modules that import torch at import time (``encoder``, ``lstm``, ``heads``,
``bilm``, ``batching``, ``objective``, ``train``, ``pretrain``, ``lm``) are never imported
by the entry-point modules (``architectures``, ``component``, and the
``listener``, ``scalar_mix`` and ``doc_layers`` modules they use) at import
time, so ``spacy.blank("en")`` stays free of torch.
"""
from .hooks import restore_elmo_hooks  # noqa: F401  (no torch import)

__all__ = ["restore_elmo_hooks"]
