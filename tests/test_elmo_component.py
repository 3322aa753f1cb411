"""Behaviour of the ``elmo_vectors`` component: vectors, hooks, windows, updates, serialization."""
import pickle

import numpy as np
import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from ._elmo_helpers import TOY_TEXTS, tiny_nlp
from .conftest import run_python
from spacy_elmo_w2v import restore_elmo_hooks
from spacy_elmo_w2v.errors import UserInputError

WIDTH = 24  # 2 * projection_size of the tiny model


@pytest.fixture(scope="module")
def nlp():
    return tiny_nlp()


@pytest.fixture(scope="module")
def nlp_layers():
    return tiny_nlp(keep_layers=True)


def test_doc_tensor_has_one_float32_row_per_token(nlp):
    doc = nlp("the cat sat on the mat .")
    assert doc.tensor.shape == (len(doc), WIDTH)
    assert doc.tensor.dtype == np.float32


def test_same_word_in_two_contexts_gets_different_vectors(nlp):
    a = nlp("the bank raised interest rates .")
    b = nlp("she sat on the river bank .")
    assert not np.allclose(a[1].vector, b[5].vector)


def test_same_sentence_twice_gets_identical_vectors(nlp):
    a = nlp("the bank raised interest rates .")
    b = nlp("the bank raised interest rates .")
    assert np.array_equal(a.tensor, b.tensor)


def test_token_vector_is_the_doc_tensor_row_without_static_vectors(nlp):
    assert nlp.vocab.vectors.shape[0] == 0
    doc = nlp("the dog sat on the log .")
    for token in doc:
        assert np.array_equal(token.vector, doc.tensor[token.i])


def test_token_vector_is_the_doc_tensor_row_when_vocab_has_static_vectors():
    base = spacy.blank("en")
    for word in ("the", "dog", "sat"):
        base.vocab.set_vector(word, np.full(5, 3.0, dtype=np.float32))
    nlp = tiny_nlp(base)
    doc = nlp("the dog sat .")
    assert nlp.vocab.vectors.shape[0] > 0
    for token in doc:
        assert token.vector.shape == (WIDTH,)
        assert np.array_equal(token.vector, doc.tensor[token.i])


@spacy.Language.component("test_writes_its_own_tensor")
def _writes_its_own_tensor(doc: Doc) -> Doc:
    """What spaCy's tok2vec does after elmo_vectors in a tagger pipeline: doc.tensor becomes its output."""
    doc.tensor = np.full((len(doc), 7), 0.5, dtype=np.float32)
    return doc


@pytest.fixture(scope="module")
def nlp_then_tok2vec():
    nlp = tiny_nlp()
    nlp.add_pipe("test_writes_its_own_tensor")
    return nlp


def test_a_later_component_that_writes_doc_tensor_leaves_the_vectors_elmo_s(nlp, nlp_then_tok2vec):
    """In a tagger pipeline (elmo_vectors, tok2vec, tagger) doc.tensor ends as tok2vec's; .vector stays ELMo's."""
    text = "the cat sat on the mat ."
    doc, elmo = nlp_then_tok2vec(text), nlp(text).tensor
    assert doc.tensor.shape == (len(doc), 7)
    np.testing.assert_array_equal(doc[1].vector, elmo[1])
    np.testing.assert_allclose(doc[1:4].vector, elmo[1:4].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(doc.vector, elmo.mean(axis=0), rtol=1e-6)
    assert doc[1].similarity(doc[5]) == pytest.approx(nlp(text)[1].similarity(nlp(text)[5]), rel=1e-5)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(doc))[1].vector, elmo[1])


def test_restoring_hooks_leaves_a_later_component_s_tensor_alone(nlp, nlp_then_tok2vec):
    text = "the cat sat on the mat ."
    doc, elmo = nlp_then_tok2vec(text), nlp(text).tensor
    (copy,) = restore_elmo_hooks([Doc(doc.vocab).from_bytes(doc.to_bytes())], nlp_then_tok2vec)
    np.testing.assert_array_equal(copy.tensor, doc.tensor)
    np.testing.assert_array_equal(copy[1].vector, elmo[1])


def test_span_and_doc_vectors_are_means_of_token_vectors(nlp):
    doc = nlp("the cat sat on the mat .")
    assert np.allclose(doc[1:4].vector, doc.tensor[1:4].mean(axis=0))
    assert np.allclose(doc.vector, doc.tensor.mean(axis=0))


def test_similarity_is_cosine_of_elmo_vectors(nlp):
    doc = nlp("the cat sat on the mat .")
    a, b = doc[1].vector, doc[5].vector
    expected = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    assert doc[1].similarity(doc[5]) == pytest.approx(expected, rel=1e-5)
    assert doc[0:2].similarity(doc[4:6]) == pytest.approx(
        np.dot(doc[0:2].vector, doc[4:6].vector) / (doc[0:2].vector_norm * doc[4:6].vector_norm), rel=1e-5
    )
    assert doc.similarity(doc) == pytest.approx(1.0, rel=1e-5)


def test_vector_norm_and_has_vector_follow_elmo_vector(nlp):
    doc = nlp("the cat sat")
    assert doc[1].has_vector
    assert doc[1].vector_norm == pytest.approx(float(np.linalg.norm(doc.tensor[1])), rel=1e-5)


def test_empty_doc_gets_an_empty_tensor(nlp):
    doc = nlp("")
    assert doc.tensor.shape == (0, WIDTH)


def test_whitespace_tokens_get_zero_vectors_and_do_not_change_the_others(nlp):
    doc = nlp("the cat  sat")
    space = [t for t in doc if t.is_space][0]
    assert not space.has_vector
    plain = nlp("the cat sat")
    words = [t.i for t in doc if not t.is_space]
    assert np.allclose(doc.tensor[words], plain.tensor, atol=1e-6)


def test_unknown_words_read_as_unk(nlp):
    pipe = nlp.get_pipe("elmo_vectors")
    doc = nlp("the zyzzyva sat")
    ids = pipe.token_ids(doc)
    assert ids[1] == pipe.lm_vocab.unk_id
    assert np.isfinite(doc.tensor).all()


def test_tokens_are_normalized_like_the_training_corpus(nlp):
    pipe = nlp.get_pipe("elmo_vectors")
    doc = nlp("The 1,987 CAT")
    ids = pipe.token_ids(doc).tolist()
    assert ids == pipe.lm_vocab.encode(["the", "N", "cat"]).tolist()


def test_long_doc_is_read_in_windows_of_max_length():
    nlp = tiny_nlp(max_length=8)
    words = ("the cat sat on the mat . " * 300).split()
    doc = nlp(Doc(nlp.vocab, words=words))
    assert doc.tensor.shape == (len(words), WIDTH)
    # windows restart the state: token 8 starts a window like token 0 does
    first = nlp(Doc(nlp.vocab, words=words[8:16]))
    assert np.allclose(doc.tensor[8:16], first.tensor, atol=1e-6)


def test_docs_with_sentences_are_read_sentence_by_sentence(nlp):
    words = "the cat sat . the dog sat .".split()
    doc = Doc(nlp.vocab, words=words, sent_starts=[True, False, False, False, True, False, False, False])
    doc = nlp(doc)
    alone = nlp(Doc(nlp.vocab, words=words[4:]))
    assert np.allclose(doc.tensor[4:], alone.tensor, atol=1e-6)


@pytest.mark.parametrize("output,expected", [("top", lambda L: L[-1]), ("average", lambda L: L.mean(0)), (1, lambda L: L[1])])
def test_output_setting_picks_the_layer_combination(output, expected):
    nlp = tiny_nlp(keep_layers=True, output=output)
    doc = nlp("the cat sat on the mat .")
    assert np.allclose(doc.tensor, expected(doc._.elmo_layers), atol=1e-6)


def test_average_output_is_the_mean_of_the_kept_layers(nlp_layers):
    doc = nlp_layers("the cat sat on the mat .")
    layers = doc._.elmo_layers
    assert layers.shape == (3, len(doc), WIDTH)
    assert np.allclose(doc.tensor, layers.mean(axis=0), atol=1e-6)


def test_bad_output_setting_is_a_clear_error():
    with pytest.raises(UserInputError, match="output"):
        tiny_nlp(output="bottom")


def test_update_lowers_the_language_model_loss():
    from thinc.api import Adam

    nlp = tiny_nlp()
    optimizer = Adam(0.01)
    examples = [Example(nlp.make_doc(t), nlp.make_doc(t)) for t in TOY_TEXTS]
    losses = []
    for _ in range(15):
        losses.append(nlp.update(examples, sgd=optimizer)["elmo_vectors"])
    assert losses[-1] < 0.9 * losses[0]


def test_update_changes_the_vectors():
    nlp = tiny_nlp()
    before = nlp("the cat sat").tensor
    optimizer = nlp.create_optimizer()
    nlp.update([Example(nlp.make_doc(t), nlp.make_doc(t)) for t in TOY_TEXTS], sgd=optimizer)
    assert not np.allclose(nlp("the cat sat").tensor, before)


def test_to_bytes_from_bytes_round_trip_gives_identical_vectors(nlp):
    other = tiny_nlp(seed=1)
    text = "the bank raised rates ."
    assert not np.array_equal(other(text).tensor, nlp(text).tensor)
    other.get_pipe("elmo_vectors").from_bytes(nlp.get_pipe("elmo_vectors").to_bytes())
    assert np.array_equal(other(text).tensor, nlp(text).tensor)


def test_to_disk_from_disk_round_trip_gives_identical_vectors(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    text = "the bank raised rates ."
    assert np.array_equal(loaded(text).tensor, nlp(text).tensor)


def test_pipeline_pickles_and_gives_identical_vectors(nlp):
    clone = pickle.loads(pickle.dumps(nlp))
    text = "the cat sat on the mat ."
    assert np.array_equal(clone(text).tensor, nlp(text).tensor)


def test_uninitialized_component_says_how_to_get_weights():
    nlp = spacy.blank("en")
    nlp.add_pipe("elmo_vectors")
    with pytest.raises(UserInputError, match="initialize"):
        nlp("the cat")


@pytest.mark.slow  # a subprocess that forks two workers
def test_hooks_restored_after_multiprocessing(nlp, tmp_path):
    """nlp.pipe(n_process=2) gives docs whose hooks come back with restore_elmo_hooks.

    Runs in a subprocess with a timeout: the parent first uses torch's thread
    pool, after which a forked worker that runs torch on several threads hangs
    instead of failing (see spacy_elmo_w2v.forking).
    """
    nlp.to_disk(tmp_path / "elmo")
    code = (
        "import numpy as np, spacy, torch\n"
        "from spacy_elmo_w2v import restore_elmo_hooks\n"
        f"nlp = spacy.load({str(tmp_path / 'elmo')!r})\n"
        "x = torch.randn(1000, 1000); (x @ x).sum()  # the parent's thread pool is now in use\n"
        "texts = ['the cat sat on the mat .', 'the dog sat on the log .'] * 2\n"
        "docs = list(nlp.pipe(texts, n_process=2, batch_size=1))\n"
        "restore_elmo_hooks(docs)\n"
        "for doc, text in zip(docs, texts):\n"
        "    assert np.array_equal(doc[1].vector, nlp(text).tensor[1])\n"
        "print('ok')\n"
    )
    assert run_python(code, timeout=180).strip().endswith("ok")


def test_hooks_restored_after_doc_from_bytes(nlp):
    doc = nlp("the cat sat")
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    restore_elmo_hooks([copy])
    assert np.array_equal(copy[1].vector, doc.tensor[1])


def test_docbin_docs_are_recomputed_when_the_pipeline_is_given(nlp):
    docs = list(nlp.pipe(["the cat sat", "the dog sat on the log ."]))
    docbin = DocBin(docs=docs)
    restored = restore_elmo_hooks(list(docbin.get_docs(nlp.vocab)), nlp)
    for doc, original in zip(restored, docs):
        assert np.array_equal(doc[1].vector, original.tensor[1])


def test_restoring_docbin_docs_without_the_pipeline_is_a_clear_error(nlp):
    docbin = DocBin(docs=[nlp("the cat sat")])
    with pytest.raises(UserInputError, match="restore_elmo_hooks\\(docs, nlp\\)"):
        restore_elmo_hooks(list(docbin.get_docs(nlp.vocab)))


@pytest.fixture(scope="module")
def renamed():
    nlp = tiny_nlp()
    nlp.rename_pipe("elmo_vectors", "contextual")
    return nlp


def test_restore_hooks_finds_a_renamed_elmo_pipe_by_its_factory(renamed):
    docs = list(renamed.pipe(["the cat sat", "the dog sat on the log ."]))
    restored = restore_elmo_hooks(list(DocBin(docs=docs).get_docs(renamed.vocab)), renamed)
    for doc, original in zip(restored, docs):
        assert np.array_equal(doc[1].vector, original.tensor[1])


def test_restore_hooks_with_a_name_that_is_no_elmo_pipe_is_a_clear_error(renamed):
    docs = list(DocBin(docs=[renamed("the cat sat")]).get_docs(renamed.vocab))
    with pytest.raises(UserInputError, match="'elmo_vectors' component called 'elmo'"):
        restore_elmo_hooks(docs, renamed, component="elmo")


def test_language_model_from_a_pipeline_finds_a_renamed_elmo_pipe(renamed):
    from spacy_elmo_w2v.elmo.lm import LanguageModel

    lm = LanguageModel.from_pipeline(renamed)
    assert lm.bilm is renamed.get_pipe("contextual").bilm


def _weights(nlp):
    return {k: v.clone() for k, v in nlp.get_pipe("elmo_vectors").bilm.state_dict().items()}


def test_to_disk_leaves_out_the_excluded_weights(nlp, tmp_path):
    nlp.get_pipe("elmo_vectors").to_disk(tmp_path, exclude=["model"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bilm.json", "lm_vocab.json", "spec.json"]


@pytest.mark.parametrize("serialize", ["disk", "bytes"])
def test_from_disk_and_bytes_keep_the_own_weights_when_the_model_is_excluded(nlp, tmp_path, serialize):
    other = tiny_nlp(seed=1)
    pipe, source = other.get_pipe("elmo_vectors"), nlp.get_pipe("elmo_vectors")
    own, saved = _weights(other), _weights(nlp)
    if serialize == "disk":
        source.to_disk(tmp_path)
        load = lambda **kw: pipe.from_disk(tmp_path, **kw)  # noqa: E731
    else:
        data = source.to_bytes()
        load = lambda **kw: pipe.from_bytes(data, **kw)  # noqa: E731
    load(exclude=["model"])
    assert all(np.array_equal(own[k], v) for k, v in _weights(other).items())
    assert not all(np.array_equal(saved[k], v) for k, v in _weights(other).items())
    load()
    assert all(np.array_equal(saved[k], v) for k, v in _weights(other).items())


def test_running_the_bilm_before_it_has_weights_says_how_to_get_them():
    from spacy_elmo_w2v.errors import UserInputError

    model = spacy.blank("en").add_pipe("elmo_vectors").model
    assert not model.layers  # not initialized
    with pytest.raises(UserInputError, match=r"no weights yet: run nlp\.initialize\(\) or load a pretrained pipeline"):
        model.predict(None)
