"""Cutting docs into the token windows the biLM reads, and grouping windows into batches.

A doc is read sentence by sentence when it has sentence boundaries, else as
a whole; any stretch longer than ``max_length`` tokens is cut into windows of
at most ``max_length``. Whitespace tokens are left out (their vectors are
zeros). Memory therefore depends on ``max_length`` and the batch size, never
on the length of a doc. No torch import.
"""
from dataclasses import dataclass
from typing import Iterator, List, Sequence

import numpy as np
from spacy.tokens import Doc


@dataclass
class Window:
    """Token positions ``tokens`` (``int64``) of doc number ``doc`` that are read together."""

    doc: int
    tokens: np.ndarray


def doc_windows(docs: Sequence[Doc], max_length: int) -> List[Window]:
    """All windows of ``docs``, in doc order."""
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, not {max_length}")
    windows: List[Window] = []
    for d, doc in enumerate(docs):
        if len(doc) == 0:
            continue
        words = ~doc.to_array("IS_SPACE").astype(bool)
        bounds = [(s.start, s.end) for s in doc.sents] if doc.has_annotation("SENT_START") else [(0, len(doc))]
        for begin, end in bounds:
            positions = begin + np.flatnonzero(words[begin:end]).astype(np.int64)
            for start in range(0, len(positions), max_length):
                windows.append(Window(d, positions[start : start + max_length]))
    return windows


def length_batches(windows: Sequence[Window], batch_size: int) -> Iterator[List[Window]]:
    """Groups of at most ``batch_size`` windows of similar length (sorted, to waste little padding)."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].tokens))
    for start in range(0, len(order), batch_size):
        yield [windows[i] for i in order[start : start + batch_size]]
