"""Token, span and doc hooks that make ``.vector`` and ``.similarity`` use the ELMo vectors.

spaCy's ``Token.vector`` consults ``doc.user_token_hooks`` first and falls back
to ``doc.tensor`` only when the vocab has no static vectors; installing these
hooks makes the contextual vector win in both cases. The hooks hold the ELMo
vectors themselves (the array ``elmo_vectors`` wrote to ``doc.tensor``), so
a later component that writes its own ``doc.tensor``, as spaCy's ``tok2vec``
does in a tagger pipeline, leaves ``.vector`` the ELMo vector. Hooks are not
serialized, so docs that went through ``Doc.to_bytes``, ``DocBin`` or
``nlp.pipe(n_process>1)`` lose them: :func:`restore_elmo_hooks` puts them
back. No torch import.
"""
from functools import partial
from typing import TYPE_CHECKING, Iterable, List, Optional, Union

import numpy as np
from spacy.tokens import Doc, Span, Token

from ..errors import UserInputError

if TYPE_CHECKING:
    from spacy.language import Language

#: ``doc.user_data`` key recording that ``doc.tensor`` holds ELMo vectors (and their width).
WIDTH_KEY = "spacy_elmo_w2v.elmo_width"
#: The factory of the component that writes the ELMo vectors.
FACTORY = "elmo_vectors"


def token_vector(vectors: np.ndarray, token: Token) -> np.ndarray:
    """The token's row of ``vectors`` (``[len(doc), D]``, the doc's ELMo vectors)."""
    return vectors[token.i]


def span_vector(vectors: np.ndarray, span: Union[Span, Doc]) -> np.ndarray:
    """Mean of the rows of ``vectors`` of the span's non-whitespace tokens (zeros when there are none)."""
    doc = span if isinstance(span, Doc) else span.doc
    start, end = (0, len(doc)) if isinstance(span, Doc) else (span.start, span.end)
    keep = doc.to_array("IS_SPACE")[start:end] == 0
    if not keep.any():
        return np.zeros(vectors.shape[1], dtype=np.float32)
    return vectors[start:end][keep].mean(axis=0)


def has_vector(obj: Union[Token, Span, Doc]) -> bool:
    """True when the object's ELMo vector is not all zeros."""
    return bool(np.any(obj.vector))


def vector_norm(obj: Union[Token, Span, Doc]) -> float:
    """Euclidean norm of the object's ELMo vector."""
    return float(np.linalg.norm(obj.vector))


def similarity(obj: Union[Token, Span, Doc], other: Union[Token, Span, Doc]) -> float:
    """Cosine similarity of two ELMo vectors (0.0 when either is all zeros)."""
    a, b = obj.vector, other.vector
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm else 0.0


def install_hooks(doc: Doc, vectors: Optional[np.ndarray] = None) -> Doc:
    """Point the doc's, its spans' and its tokens' vector hooks at ``vectors``
    (``[len(doc), D]`` float32; by default ``doc.tensor``, which must then hold them)."""
    vectors = doc.tensor if vectors is None else vectors
    of_spans = partial(span_vector, vectors)
    doc.user_token_hooks.update(
        vector=partial(token_vector, vectors), has_vector=has_vector, vector_norm=vector_norm, similarity=similarity
    )
    # No span "vector_norm" hook: spaCy 3.8's Span.vector_norm calls the span "vector" hook
    # when one is set; without it, the norm is computed from span.vector, i.e. our vector.
    doc.user_span_hooks.update(vector=of_spans, has_vector=has_vector, similarity=similarity)
    doc.user_hooks.update(vector=of_spans, has_vector=has_vector, vector_norm=vector_norm, similarity=similarity)
    doc.user_data[WIDTH_KEY] = int(vectors.shape[1]) if vectors.ndim == 2 else 0
    return doc


def _has_elmo_tensor(doc: Doc, width: Optional[int]) -> bool:
    tensor = doc.tensor
    if tensor.ndim != 2 or tensor.shape[0] != len(doc):
        return False
    expected = width if width is not None else doc.user_data.get(WIDTH_KEY)
    return expected is not None and tensor.shape[1] == expected


def restore_elmo_hooks(docs: Iterable[Doc], nlp: Optional["Language"] = None, component: Optional[str] = None) -> List[Doc]:
    """Put the ELMo vector hooks back on docs that lost them; returns the docs.

    Docs whose ``doc.tensor`` still holds the ELMo vectors (after
    ``nlp.pipe(n_process=2)`` or ``Doc.from_bytes``) only get their hooks
    back. Docs whose tensor is gone (``DocBin`` never stores it) or belongs
    to a later component (a ``tok2vec``'s, of another width) are run through
    the ``elmo_vectors`` pipe of ``nlp`` again (the first one made by that
    factory, whatever its name, or the one called ``component``), and a later
    component's tensor stays in ``doc.tensor``; without ``nlp`` that is a
    :class:`UserInputError` that says so.

    Example::

        docs = list(DocBin().from_disk("docs.spacy").get_docs(nlp.vocab))
        docs = restore_elmo_hooks(docs, nlp)
        docs[0][0].vector  # contextual again
    """
    docs = list(docs)
    pipe = None
    width = None
    if nlp is not None:
        from ..pipeline import find_pipe

        name, pipe = find_pipe(nlp, FACTORY, component)
        if pipe.cfg["output"] is None:
            raise UserInputError(
                f"The {name!r} component has output = null: it writes no doc.tensor and installs no vector "
                f"hooks, so there are none to restore. Its layers are in doc._.elmo_layers."
            )
        width = pipe.output_width
    missing = [doc for doc in docs if not _has_elmo_tensor(doc, width)]
    if missing:
        if pipe is None:
            raise UserInputError(
                f"{len(missing)} doc(s) hold no ELMo vectors in doc.tensor (DocBin does not store doc.tensor, and a later "
                f"component such as tok2vec replaces it). "
                f"Pass the pipeline to recompute them: restore_elmo_hooks(docs, nlp)."
            )
        others = [doc.tensor if doc.tensor.size else None for doc in missing]
        pipe.set_annotations(missing, pipe.predict(missing))
        for doc, tensor in zip(missing, others):
            if tensor is not None:
                doc.tensor = tensor  # the hooks keep the ELMo vectors
    recomputed = set(map(id, missing))
    for doc in docs:
        if id(doc) not in recomputed:
            install_hooks(doc)
    return docs
