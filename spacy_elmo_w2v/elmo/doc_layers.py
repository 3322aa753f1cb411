"""Where ``elmo_vectors`` leaves the biLM's layers for the listener layers of other components.

Per doc: ``doc._.elmo_layers``, an array ``[L + 1, len(doc), D]`` (float32,
or float16 with ``layers_dtype = "float16"``; rows of whitespace tokens are
zeros), and ``doc._.elmo_bilm``, the identity of the biLM that computed them,
so that a component trained on one biLM's layers never silently reads
another's. Memory per token: ``(L + 1) * D * 4`` bytes in float32 (3 KB for
the CPU preset: 3 layers of 256), half that in float16. No torch import.
"""
from typing import Optional

import numpy as np
from spacy.tokens import Doc

LAYERS_ATTR = "elmo_layers"
BILM_ATTR = "elmo_bilm"


def install_extensions() -> None:
    """Register ``Doc._.elmo_layers`` and ``Doc._.elmo_bilm`` (default None) unless they are.

    Called when an ``elmo_vectors`` component is made and before any read or
    write below, never at import: importing the package changes no class of spaCy's.
    """
    for attr in (LAYERS_ATTR, BILM_ATTR):
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


def set_doc_layers(doc: Doc, layers: np.ndarray, bilm_id: Optional[str]) -> None:
    """Store ``layers`` (``[L + 1, len(doc), D]``) and the biLM's identity on ``doc``."""
    install_extensions()
    doc._.set(LAYERS_ATTR, layers)
    doc._.set(BILM_ATTR, bilm_id)


def doc_layers(doc: Doc) -> Optional[np.ndarray]:
    """The stored layers of ``doc``, or None when ``elmo_vectors`` has not stored any."""
    install_extensions()
    return doc._.get(LAYERS_ATTR)


def doc_bilm_id(doc: Doc) -> Optional[str]:
    """The identity of the biLM whose layers are stored on ``doc``."""
    install_extensions()
    return doc._.get(BILM_ATTR)


def bytes_per_token(n_layers: int, width: int, dtype: str = "float32") -> int:
    """Memory that the stored layers take per token: ``(L + 1) * D * itemsize``."""
    return n_layers * width * np.dtype(dtype).itemsize
