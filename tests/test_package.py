"""Packaging: our entry points are registered and resolve (see also test_no_torch_imports.py)."""
from importlib.metadata import entry_points

import pytest

from .conftest import run_python


def _group(name):
    eps = entry_points()
    found = eps.select(group=name) if hasattr(eps, "select") else eps.get(name, ())  # Python 3.9: a dict of groups
    return {ep.name: ep for ep in found}


def test_factories_and_architectures_are_registered_as_entry_points():
    assert "skipgram_vectors" in _group("spacy_factories")
    assert "spacy_elmo_w2v.SkipGram.v1" in _group("spacy_architectures")
    assert "spacy_elmo_w2v.PTBNormalizer.v1" in _group("spacy_misc")
    for group in ("spacy_factories", "spacy_architectures", "spacy_misc"):
        for ep in _group(group).values():
            if ep.value.startswith("spacy_elmo_w2v"):
                assert callable(ep.load())


@pytest.mark.slow  # a fresh interpreter that imports spaCy and torch
def test_add_pipe_works_without_importing_our_package():
    code = (
        "import spacy, sys\n"
        "nlp = spacy.blank('en')\n"
        "nlp.add_pipe('skipgram_vectors')\n"
        "print(nlp.pipe_names)\n"
    )
    assert "skipgram_vectors" in run_python(code)
