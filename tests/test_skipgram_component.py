"""The skipgram_vectors component: vectors in the vocab, lookups, updates, round trips."""
import numpy as np
import pytest
import spacy
from spacy.training import Example
from thinc.api import Adam

from .conftest import ANIMALS, run_python, toy_sentences


@pytest.fixture(scope="module")
def nlp(toy_skipgram_dir):
    return spacy.load(toy_skipgram_dir)


def test_trained_vectors_are_in_the_vocab(nlp):
    vectors = nlp.vocab.vectors
    assert vectors.shape[1] == 16
    assert nlp.vocab.strings["cat"] in vectors


def test_token_vector_is_found_through_the_normalizer(nlp):
    doc = nlp("Cat cat CAT")
    assert doc[0].has_vector
    np.testing.assert_array_equal(doc[0].vector, doc[1].vector)
    np.testing.assert_array_equal(doc[2].vector, nlp.vocab.vectors[nlp.vocab.strings["cat"]])


@pytest.fixture(scope="module")
def numbers_dir(tmp_path_factory):
    """A pipeline trained on a corpus with the PTB number token "N"."""
    from spacy_elmo_w2v.skipgram.pretrain import pretrain_skipgram

    from .conftest import CONFIGS, TOY_SKIPGRAM_OVERRIDES

    tmp_path = tmp_path_factory.mktemp("numbers")
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join("the cat ate N fish in N" for _ in range(50)) + "\n")
    pretrain_skipgram(
        CONFIGS / "skipgram.cfg", tmp_path / "out",
        overrides={"paths.train": str(corpus), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1},
        progress=False,
    )
    return tmp_path / "out"


def test_numbers_find_the_number_token(numbers_dir):
    """"1987" and "1,987.5" look up the vector of "N", as in the PTB corpus."""
    loaded = spacy.load(numbers_dir)
    doc = loaded("In 1987 , 1,987.5 cats")
    expected = loaded.vocab.vectors[loaded.vocab.strings["N"]]
    assert doc[1].has_vector and doc[3].has_vector
    np.testing.assert_array_equal(doc[1].vector, expected)
    np.testing.assert_array_equal(doc[3].vector, expected)


def test_running_the_component_on_a_doc_made_elsewhere_finds_its_numbers(numbers_dir):
    """Docs from worker processes or Doc(...) have surface forms the vocab has not keyed yet."""
    from spacy.tokens import Doc

    loaded = spacy.load(numbers_dir)
    doc = Doc(loaded.vocab, words=["In", "2024.5", "cats"])
    assert not doc[1].has_vector
    assert loaded.get_pipe("skipgram_vectors")(doc) is doc
    np.testing.assert_array_equal(doc[1].vector, loaded.vocab.vectors[loaded.vocab.strings["N"]])


def test_component_leaves_token_norms_as_spacy_sets_them(nlp):
    """NORM is a tok2vec feature: a tagger after skipgram_vectors must see spaCy's own norms."""
    text = "Stock rose 1,987.5 N points in 1987 , n't it ?"
    expected = [t.norm_ for t in spacy.blank("en")(text)]
    assert [t.norm_ for t in nlp(text)] == expected
    assert nlp(text)[2].norm_ == "1,987.5"


def test_set_norms_writes_the_normalized_form(toy_skipgram_dir):
    nlp = spacy.load(toy_skipgram_dir, config={"components": {"skipgram_vectors": {"set_norms": True}}})
    assert [t.norm_ for t in nlp("Cat 1,987.5 CAR")] == ["cat", "N", "car"]


def test_case_variants_find_their_vector_without_the_component(toy_skipgram_dir, tmp_path):
    """A pipeline that only takes the vectors (a tagger's `[initialize] vectors`) finds "Cat" and "CAT"."""
    from spacy.training.initialize import load_vectors_into_model

    tagger_nlp = spacy.blank("en")
    load_vectors_into_model(tagger_nlp, toy_skipgram_dir)
    tagger_nlp.to_disk(tmp_path / "tagger")
    for loaded in (tagger_nlp, spacy.load(tmp_path / "tagger")):
        cat = loaded.vocab.vectors[loaded.vocab.strings["cat"]]
        for word in ("Cat", "CAT"):
            np.testing.assert_array_equal(loaded(word)[0].vector, cat)


def test_spacy_prune_vectors_works_on_the_trained_table(toy_skipgram_dir):
    """spaCy's `Vocab.prune_vectors` looks up the string of every key, case-variant keys included
    (so their strings stay in the StringStore, whatever that costs a large vocabulary)."""
    loaded = spacy.load(toy_skipgram_dir)
    n_rows, keys = loaded.vocab.vectors.shape[0], set(loaded.vocab.vectors.key2row)
    remap = loaded.vocab.prune_vectors(n_rows // 2)
    assert loaded.vocab.vectors.shape[0] == n_rows // 2
    assert set(loaded.vocab.vectors.key2row) == keys  # every key, "Cat" and "CAT" too, keeps a row
    assert len(remap) == len(keys) - n_rows // 2  # each key of a dropped row names the word it now shares


def test_spacy_most_similar_reports_the_word_not_a_surface_form(numbers_dir):
    nlp = spacy.load(numbers_dir)
    nlp("Cat CAT cat 1987 1,987.5")  # surface forms become keys of the words' rows
    vectors = nlp.vocab.vectors
    for word in ("cat", "N"):
        key = nlp.vocab.strings[word]
        keys, _, _ = vectors.most_similar(np.asarray([vectors[key]]), n=1)
        assert int(keys[0][0]) == key


def test_pipelines_saved_without_set_norms_still_load(toy_skipgram_dir, tmp_path):
    """Pipelines saved before the setting existed have no `set_norms` in their config."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(toy_skipgram_dir, old)
    config = (old / "config.cfg").read_text(encoding="utf8")
    (old / "config.cfg").write_text(
        "\n".join(line for line in config.splitlines() if not line.startswith("set_norms")), encoding="utf8"
    )
    loaded = spacy.load(old)
    doc = loaded("Cat cat")
    np.testing.assert_array_equal(doc[0].vector, doc[1].vector)
    assert doc[0].has_vector and doc[0].norm_ == "cat"


def test_out_of_vocabulary_tokens_have_no_vector(nlp):
    doc = nlp("cat xyzzyq")
    assert doc[0].has_vector
    assert not doc[1].has_vector
    assert doc[1].vector_norm == 0


def test_similarity_ranks_related_words_higher(nlp):
    cat, dog, car = (nlp(w) for w in ("cat", "dog", "car"))
    assert cat.similarity(dog) > cat.similarity(car)


def test_most_similar_takes_and_returns_words(nlp):
    pipe = nlp.get_pipe("skipgram_vectors")
    top = pipe.most_similar("Cat", n=4)
    words = [w for w, _ in top]
    assert len(top) == 4 and "cat" not in words
    assert sum(w in ANIMALS for w in words) >= 3
    scores = [s for _, s in top]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(KeyError, match="xyzzyq"):
        pipe.most_similar("xyzzyq")


def test_to_bytes_round_trip_is_exact(nlp):
    nlp2 = spacy.blank("en")
    pipe2 = nlp2.add_pipe("skipgram_vectors", config={"model": {"width": 16}})
    pipe2.from_bytes(nlp.get_pipe("skipgram_vectors").to_bytes())
    np.testing.assert_array_equal(nlp2.vocab.vectors.data, nlp.vocab.vectors.data)
    assert list(nlp2.vocab.vectors.keys()) == list(nlp.vocab.vectors.keys())
    assert pipe2.words.to_dict() == nlp.get_pipe("skipgram_vectors").words.to_dict()
    np.testing.assert_array_equal(nlp2("Dog")[0].vector, nlp("Dog")[0].vector)


def test_to_disk_round_trip_is_exact(nlp, tmp_path):
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    np.testing.assert_array_equal(nlp2.vocab.vectors.data, nlp.vocab.vectors.data)
    src = nlp.get_pipe("skipgram_vectors").torch_model.state_dict()
    dst = nlp2.get_pipe("skipgram_vectors").torch_model.state_dict()
    for name in src:
        assert (src[name] == dst[name]).all()


def test_vocab_vectors_share_the_memory_of_the_input_table(nlp):
    pipe = nlp.get_pipe("skipgram_vectors")
    table = pipe.torch_model.input.weight.detach().numpy()
    assert pipe.words.unk_id == 0
    assert np.shares_memory(nlp.vocab.vectors.data, table)
    np.testing.assert_array_equal(nlp.vocab.vectors.data, table[1:])


def test_weights_saved_by_thinc_before_still_load(nlp, tmp_path):
    """Pipelines saved before the weights file was written with torch.save hold thinc's msgpack file."""
    from spacy_elmo_w2v.wrapping import ZIP_MAGIC

    nlp.to_disk(tmp_path / "p")
    model_file = tmp_path / "p" / "skipgram_vectors" / "model"
    assert model_file.read_bytes()[:4] == ZIP_MAGIC
    nlp.get_pipe("skipgram_vectors").model.to_disk(model_file)  # the old format
    assert model_file.read_bytes()[:4] != ZIP_MAGIC
    loaded = spacy.load(tmp_path / "p")
    src = nlp.get_pipe("skipgram_vectors").torch_model.state_dict()
    dst = loaded.get_pipe("skipgram_vectors").torch_model.state_dict()
    for name in src:
        assert (src[name] == dst[name]).all()
    np.testing.assert_array_equal(loaded("Dog")[0].vector, nlp("Dog")[0].vector)


def test_pipeline_bytes_round_trip_is_exact(nlp):
    nlp2 = spacy.blank("en")
    nlp2.add_pipe("skipgram_vectors", config={"model": {"width": 16}})
    nlp2.from_bytes(nlp.to_bytes())
    np.testing.assert_array_equal(nlp2("1987 Horse")[1].vector, nlp("horse")[0].vector)


def test_component_can_be_sourced_into_another_pipeline(toy_skipgram_dir):
    source = spacy.load(toy_skipgram_dir)
    nlp = spacy.blank("en")
    nlp.add_pipe("skipgram_vectors", source=source)  # spaCy warns W113 here; the vectors come along anyway
    assert nlp("cat")[0].has_vector
    assert np.array_equal(nlp("cat")[0].vector, source("cat")[0].vector)
    assert nlp.vocab.vectors.shape == source.vocab.vectors.shape


def test_nlp_update_trains_the_vectors():
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "skipgram_vectors",
        config={"min_count": 1, "subsample": 0.0, "noise_samples": 32, "window": 3, "model": {"width": 16}},
    )
    examples = [Example.from_dict(nlp.make_doc(" ".join(s)), {}) for s in toy_sentences(600)]
    nlp.initialize(lambda: examples)
    optimizer = Adam(0.01)  # spaCy's default (lr 0.001) learns too slowly for a short test
    before = nlp.vocab.vectors.data.copy()
    history = []
    for _ in range(15):
        losses = {}
        for start in range(0, len(examples), 100):
            nlp.update(examples[start : start + 100], sgd=optimizer, losses=losses)
        history.append(losses["skipgram_vectors"])
    assert history[-1] < history[0]
    assert not np.array_equal(before, nlp.vocab.vectors.data)
    cat, dog, car = (nlp(w) for w in ("cat", "dog", "car"))
    assert cat.similarity(dog) > cat.similarity(car)


def test_uninitialized_component_says_how_to_fix_it():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("skipgram_vectors")
    with pytest.raises(ValueError, match="initialize"):
        pipe.to_bytes()


def test_word2vec_export_round_trips(nlp, tmp_path):
    path = tmp_path / "vectors.txt"
    nlp.get_pipe("skipgram_vectors").to_word2vec(path)
    lines = path.read_text(encoding="utf8").splitlines()
    n, width = map(int, lines[0].split())
    assert (n, width) == nlp.vocab.vectors.shape
    word, *values = lines[1].split(" ")
    np.testing.assert_allclose(
        np.array(values, dtype="float32"), nlp.vocab.vectors[nlp.vocab.strings[word]], rtol=1e-5, atol=1e-6
    )


def test_word2vec_export_is_read_by_spacy_init_vectors(nlp, tmp_path):
    from spacy.training.initialize import convert_vectors

    path = tmp_path / "vectors.txt"
    nlp.get_pipe("skipgram_vectors").to_word2vec(path)
    blank = spacy.blank("en")
    convert_vectors(blank, path, truncate=0, prune=-1)
    key = blank.vocab.strings["horse"]
    np.testing.assert_allclose(blank.vocab.vectors[key], nlp.vocab.vectors[nlp.vocab.strings["horse"]], rtol=1e-5, atol=1e-6)


@pytest.mark.slow  # a subprocess that forks two workers
def test_static_vectors_survive_a_multiprocess_pipe(toy_skipgram_dir):
    """Docs made by forked workers find their vectors (norms travel with the doc)."""
    code = (
        "import spacy, numpy as np\n"
        f"nlp = spacy.load({str(toy_skipgram_dir)!r})\n"
        "docs = list(nlp.pipe(['Cat dog', 'car bus'] * 4, n_process=2, batch_size=2))\n"
        "assert all(d[0].has_vector for d in docs)\n"
        "assert np.array_equal(docs[0][0].vector, nlp('cat')[0].vector)\n"
        "print('ok')\n"
    )
    assert run_python(code).strip().endswith("ok")


def test_to_disk_leaves_out_what_is_excluded(nlp, tmp_path):
    nlp.get_pipe("skipgram_vectors").to_disk(tmp_path, exclude=["model", "vocab"])
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_from_disk_keeps_the_own_weights_when_the_model_is_excluded(nlp, tmp_path):
    source = nlp.get_pipe("skipgram_vectors")
    source.to_disk(tmp_path)
    other = spacy.blank("en").add_pipe("skipgram_vectors", config={"model": {"width": 16}})
    other.from_disk(tmp_path, exclude=["model"])
    assert other.words.to_dict() == source.words.to_dict()
    own = other.torch_model.input.weight.detach().clone()
    assert not np.allclose(own.numpy(), source.torch_model.input.weight.detach().numpy())
    other.from_disk(tmp_path)
    assert np.array_equal(other.torch_model.input.weight.detach().numpy(), source.torch_model.input.weight.detach().numpy())


def test_word2vec_export_refuses_a_word_with_a_space_and_leaves_the_old_file_alone(tmp_path):
    from spacy.strings import StringStore
    from spacy.vectors import Vectors

    from spacy_elmo_w2v.errors import UserInputError
    from spacy_elmo_w2v.skipgram.export import write_word2vec

    strings = StringStore()
    vectors = Vectors(strings=strings, data=np.ones((2, 3), dtype="float32"))
    vectors.add(strings.add("fine"), row=0)
    vectors.add(strings.add("new york"), row=1)
    path = tmp_path / "vectors.txt"
    path.write_text("an earlier export\n")
    with pytest.raises(UserInputError, match="'new york' in the word2vec text format.*re-tokenize"):
        write_word2vec(vectors, strings, path)
    assert path.read_text() == "an earlier export\n" and list(tmp_path.iterdir()) == [path]


def test_word2vec_export_failing_part_way_leaves_no_file(tmp_path, monkeypatch):
    from spacy.strings import StringStore
    from spacy.vectors import Vectors

    import spacy_elmo_w2v.skipgram.export as export

    strings = StringStore()
    vectors = Vectors(strings=strings, data=np.ones((2, 3), dtype="float32"))
    vectors.add(strings.add("one"), row=0)
    vectors.add(strings.add("two"), row=1)
    real_open = export.Path.open

    class FullDisk:
        """The file the export writes, which runs out of space at its second line."""

        def __init__(self, file):
            self.file, self.lines = file, 0

        def write(self, text):
            self.lines += 1
            if self.lines == 2:
                raise OSError(28, "No space left on device")
            return self.file.write(text)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    monkeypatch.setattr(export.Path, "open", lambda self, *a, **k: FullDisk(real_open(self, *a, **k)))
    with pytest.raises(OSError, match="No space left"):
        export.write_word2vec(vectors, strings, tmp_path / "vectors.txt")
    assert list(tmp_path.iterdir()) == []


def test_loading_with_another_width_in_the_config_names_the_saved_width(toy_skipgram_dir):
    from spacy_elmo_w2v.errors import UserInputError

    with pytest.raises(UserInputError, match=r"saved vectors have width 16 but the config says 32; set \[components\.skipgram_vectors\.model\] width = 16") as error:
        spacy.load(toy_skipgram_dir, config={"components": {"skipgram_vectors": {"model": {"width": 32}}}})
    assert "corrupt" not in str(error.value)  # the files are fine: the config is what to change


def test_word2vec_export_to_a_directory_is_a_one_line_error_and_leaves_nothing(tmp_path):
    from spacy.strings import StringStore
    from spacy.vectors import Vectors

    from spacy_elmo_w2v.errors import UserInputError
    from spacy_elmo_w2v.skipgram.export import write_word2vec

    strings = StringStore()
    vectors = Vectors(strings=strings, data=np.ones((1, 3), dtype="float32"))
    vectors.add(strings.add("word"), row=0)
    target = tmp_path / "vectors"
    target.mkdir()
    with pytest.raises(UserInputError, match=r"Cannot write \S*vectors \(Is a directory\): choose a writable file path"):
        write_word2vec(vectors, strings, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors"] and not any(target.iterdir())
