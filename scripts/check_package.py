"""Check that an installed pipeline package gives what users expect of it.

Usage: python scripts/check_package.py PACKAGE_NAME   (e.g. en_ptb_elmo_w2v)

Run it in the environment the wheel was installed into. It asserts that
``spacy.load(PACKAGE_NAME)``:
- has the ``skipgram_vectors`` and ``elmo_vectors`` components;
- gives contextual ``doc[i].vector``: the same word differs in two contexts,
  and the vector is the doc's ``doc.tensor`` row, not the static vector;
- has static vectors in ``nlp.vocab.vectors`` whose ``most_similar`` works;
- runs ``nlp.pipe`` over many texts, giving the same vectors as ``nlp(text)``;
- lists spacy-elmo-w2v among its requirements (meta and package metadata).
Exits 0 when all hold; an ``AssertionError`` names the first that does not.
"""
import sys
from importlib.metadata import requires
from typing import List, Optional, Sequence

import numpy as np
import spacy
from spacy.language import Language
from spacy.strings import get_string_id

from spacy_elmo_w2v.pipeline import find_pipe

REQUIREMENT = "spacy-elmo-w2v"
TEXTS: List[str] = [
    "the company said its stock rose N % in october",
    "the bank raised its interest rates again",
    "investors sold shares of the bank on monday",
    "the market fell sharply after the report",
]


def check_components(nlp: Language) -> None:
    """Both components are in the pipeline."""
    for factory in ("skipgram_vectors", "elmo_vectors"):
        factories = [nlp.get_pipe_meta(name).factory for name in nlp.pipe_names]
        assert factory in factories, f"no {factory} component in {nlp.pipe_names}"


def check_contextual(nlp: Language) -> None:
    """``doc[i].vector`` is the ELMo row of ``doc.tensor`` and depends on the context."""
    first, second = nlp("the bank raised its interest rates"), nlp("investors sold shares of the bank")
    a, b = first[1], second[5]
    assert a.text == b.text == "bank"
    assert first.tensor.shape[0] == len(first) and first.tensor.shape[1] > 0, f"bad doc.tensor {first.tensor.shape}"
    assert np.allclose(a.vector, first.tensor[1]), "doc[i].vector is not the doc.tensor row (hooks missing?)"
    assert not np.allclose(a.vector, b.vector), "'bank' has the same vector in two contexts: not contextual"
    static = nlp.vocab.vectors
    if get_string_id("bank") in static and static.shape[1] == a.vector.shape[0]:
        assert not np.allclose(a.vector, static[get_string_id("bank")]), "doc[i].vector is the static vector"
    assert 0.0 < a.similarity(b) < 1.0, f"similarity of 'bank' in two contexts is {a.similarity(b)}"


def check_static(nlp: Language) -> None:
    """``nlp.vocab.vectors`` holds the skip-gram vectors and ``most_similar`` finds neighbours."""
    vectors = nlp.vocab.vectors
    assert vectors.shape[0] > 100 and vectors.shape[1] > 0, f"too few static vectors: {vectors.shape}"
    key = get_string_id("the")
    assert key in vectors, "'the' has no static vector"
    keys, _, scores = vectors.most_similar(np.asarray([vectors[key]]), n=5)
    assert keys.shape == (1, 5) and int(keys[0][0]) == key, "most_similar of a word's vector should start with the word"
    assert np.isclose(scores[0][0], 1.0, atol=1e-3), f"self-similarity is {scores[0][0]}"
    _, pipe = find_pipe(nlp, "skipgram_vectors")
    neighbours = pipe.most_similar("The", n=3)
    assert len(neighbours) == 3 and all(w != "the" for w, _ in neighbours), f"bad neighbours {neighbours}"


def check_pipe(nlp: Language, n_texts: int = 200) -> None:
    """``nlp.pipe`` over many texts gives every doc its ELMo vectors, equal to ``nlp(text)``'s."""
    texts = [TEXTS[i % len(TEXTS)] + " " + " ".join(["and"] * (i % 7)) for i in range(n_texts)]
    docs = list(nlp.pipe(texts, batch_size=32))
    assert len(docs) == n_texts
    for doc in docs:
        assert doc.tensor.shape[0] == len(doc), "nlp.pipe gave a doc without its ELMo tensor"
    for i in (0, 57, n_texts - 1):
        alone = nlp(texts[i])
        assert np.allclose(docs[i].tensor, alone.tensor, atol=1e-4), f"nlp.pipe and nlp() differ on text {i}"
        assert np.allclose(docs[i][0].vector, alone[0].vector, atol=1e-4)


def check_requirements(nlp: Language, package: str) -> None:
    """The package's meta and its installed metadata require spacy-elmo-w2v."""
    meta_reqs = nlp.meta.get("requirements", [])
    assert any(r.startswith(REQUIREMENT) for r in meta_reqs), f"meta requirements {meta_reqs} lack {REQUIREMENT}"
    dist_reqs = requires(package) or []
    assert any(r.startswith(REQUIREMENT) for r in dist_reqs), f"{package} requires {dist_reqs}, not {REQUIREMENT}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run every check on the named package; returns 0 (the checks raise on failure)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print(__doc__)
        return 2
    package = args[0]
    nlp = spacy.load(package)
    for check in (check_components, check_contextual, check_static, check_pipe):
        check(nlp)
        print(f"ok  {check.__doc__.splitlines()[0]}")
    check_requirements(nlp, package)
    print(f"ok  {check_requirements.__doc__.splitlines()[0]}")
    print(f"{package} {nlp.meta.get('version')}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
