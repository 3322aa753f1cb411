"""ELMo features in downstream components: the task scalar mix, listeners, and their errors."""
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import Adam, NumpyOps, fix_random_seed

from ._elmo_helpers import TOY_TEXTS, tiny_nlp, toy_tag
from spacy_elmo_w2v.elmo.scalar_mix import ScalarMix, mix_weights
from spacy_elmo_w2v.errors import UserInputError

WIDTH = 24  # 2 * projection_size of the tiny biLM
N_LAYERS = 3  # token layer + 2 LSTM layers
LEGACY = Path(__file__).parent / "data" / "elmo_v0_1"  # saved by version 0.1 (output = "mix")
UPDATE = {"exclude": ["elmo_vectors"], "annotates": ["elmo_vectors"]}  # what `spacy train` does


def listener_config(**settings) -> dict:
    return {"@architectures": "spacy_elmo_w2v.ElmoListener.v1", "width": WIDTH, **settings}


def tagger_config(**listener) -> dict:
    return {"model": {"@architectures": "spacy.Tagger.v2", "nO": None, "normalize": False, "tok2vec": listener_config(**listener)}}


def examples(nlp, texts=TOY_TEXTS):
    return [Example.from_dict(nlp.make_doc(t), {"tags": [toy_tag(w) for w in t.split()]}) for t in texts]


def add_tagger(nlp, name="tagger", **listener):
    return nlp.add_pipe("tagger", name=name, config=tagger_config(**listener))


def listener_of(nlp, name="tagger"):
    return next(node for node in nlp.get_pipe(name).model.walk() if node.name == "elmo_listener")


def trained_tagger_nlp(steps=3, seed=0, names=("tagger",)):
    nlp = tiny_nlp(output=None)
    for name in names:
        add_tagger(nlp, name)
    fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples(nlp))
    optimizer.learn_rate = 0.05
    for _ in range(steps):
        nlp.update(examples(nlp), sgd=optimizer, **UPDATE)
    return nlp


@pytest.fixture(scope="module")
def trained():
    return trained_tagger_nlp()


# -- the scalar mix ---------------------------------------------------------


def _mix64(n_layers, l2=0.0, s=None, gamma=1.3):
    mix = ScalarMix(n_layers, l2=l2)
    mix.ops = NumpyOps()
    mix.initialize()
    mix.set_param("s", np.asarray(s if s is not None else [0.3, -0.7, 1.1], dtype="float64"))
    mix.set_param("gamma", np.asarray([gamma], dtype="float64"))
    return mix


def test_scalar_mix_gradient_matches_a_numerical_check():
    rng = np.random.default_rng(0)
    H = rng.normal(size=(3, 5, 4))
    R = rng.normal(size=(5, 4))  # loss = sum(Y * R) + l2 * ||s||^2
    l2 = 0.05
    mix = _mix64(3, l2=l2)
    Y, backprop = mix(H, is_train=True)
    backprop(R)
    analytic = {"s": mix.get_grad("s").copy(), "gamma": mix.get_grad("gamma").copy()}

    def loss(name, value):
        probe = _mix64(3, l2=l2)
        probe.set_param(name, value)
        return float((probe.predict(H) * R).sum() + l2 * (probe.get_param("s") ** 2).sum())

    eps = 1e-6
    for name in ("s", "gamma"):
        base = mix.get_param(name)
        numeric = np.zeros_like(base)
        for i in range(base.size):
            up, down = base.copy(), base.copy()
            up[i] += eps
            down[i] -= eps
            numeric[i] = (loss(name, up) - loss(name, down)) / (2 * eps)
        assert np.allclose(analytic[name], numeric, rtol=1e-5, atol=1e-7), name


def test_scalar_mix_starts_as_the_plain_average_of_the_layers():
    mix = ScalarMix(3)
    mix.initialize()
    H = np.random.default_rng(1).normal(size=(3, 4, 2)).astype("float32")
    assert np.allclose(mix.predict(H), H.mean(axis=0), atol=1e-6)
    assert np.allclose(mix_weights(mix), 1 / 3)


def test_scalar_mix_rejects_a_wrong_number_of_layers_with_a_clear_error():
    mix = ScalarMix(3)
    mix.initialize()
    with pytest.raises(ValueError, match="built for 3 layers but got 2"):
        mix.predict(np.zeros((2, 4, 5), dtype="float32"))


# -- the listener -------------------------------------------------------------


def test_listener_output_is_gamma_times_the_softmax_mix_of_the_stored_layers(trained):
    listener = listener_of(trained)
    doc = trained("the bank raised interest rates .")
    s, gamma = listener.mix.get_param("s"), listener.mix.get_param("gamma")[0]
    w = np.exp(s) / np.exp(s).sum()
    expected = gamma * np.tensordot(w, doc._.elmo_layers, axes=1)
    assert not np.allclose(w, 1 / N_LAYERS)  # training moved the mix away from the average
    assert np.allclose(listener.predict([doc])[0], expected, atol=1e-5)


def test_listener_output_is_identical_in_training_and_at_inference(trained):
    docs = list(trained.pipe(["the cat sat on the mat .", "the stock market fell sharply ."]))
    listener = listener_of(trained)
    in_training, _ = listener(docs, is_train=True)
    at_inference = listener.predict(docs)
    for a, b in zip(in_training, at_inference):
        assert np.array_equal(a, b)


def test_tagger_updates_train_the_mix_and_leave_the_bilm_unchanged():
    nlp = tiny_nlp(output=None)
    add_tagger(nlp)
    optimizer = nlp.initialize(lambda: examples(nlp))
    bilm = nlp.get_pipe("elmo_vectors").bilm
    before = {k: v.clone() for k, v in bilm.state_dict().items()}
    s_before = listener_of(nlp).mix.get_param("s").copy()
    losses = [nlp.update(examples(nlp), sgd=optimizer, **UPDATE)["tagger"] for _ in range(4)]
    assert losses[-1] < losses[0]
    assert not np.allclose(listener_of(nlp).mix.get_param("s"), s_before)
    for key, value in bilm.state_dict().items():
        assert value.equal(before[key]), key


def test_initialize_starts_a_trained_mix_afresh_on_the_new_biLM():
    nlp = trained_tagger_nlp(steps=2)
    assert listener_of(nlp).attrs["bilm_id"] == nlp.get_pipe("elmo_vectors").bilm_id
    nlp.initialize(lambda: examples(nlp))  # a new biLM, a new mix: no complaint about the old one
    assert listener_of(nlp).attrs["bilm_id"] is None
    assert np.array_equal(listener_of(nlp).mix.get_param("s"), np.zeros(N_LAYERS))
    nlp.update(examples(nlp), sgd=nlp.create_optimizer(), **UPDATE)
    assert listener_of(nlp).attrs["bilm_id"] == nlp.get_pipe("elmo_vectors").bilm_id


def test_two_listening_components_share_one_bilm_pass_per_batch(monkeypatch):
    nlp = tiny_nlp(output=None)
    add_tagger(nlp, "tagger")
    add_tagger(nlp, "tagger2")
    optimizer = nlp.initialize(lambda: examples(nlp))
    bilm = nlp.get_pipe("elmo_vectors").bilm
    calls = []
    real = bilm.layers
    monkeypatch.setattr(bilm, "layers", lambda *a, **k: calls.append(1) or real(*a, **k))
    nlp.update(examples(nlp), sgd=optimizer, **UPDATE)  # 24 sentences: one batch of the biLM
    assert len(calls) == 1
    doc = nlp("the cat sat on the mat .")
    assert len(calls) == 2 and doc[1].tag_ and sorted(nlp.get_pipe("elmo_vectors").listening_components) == ["tagger", "tagger2"]


def test_each_component_keeps_its_own_mix_through_to_disk_and_spacy_load(tmp_path):
    nlp = trained_tagger_nlp(steps=2, names=("tagger", "tagger2"))
    listener_of(nlp, "tagger2").mix.set_param("s", np.asarray([2.0, -1.0, 0.5], dtype="float32"))
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    for name in ("tagger", "tagger2"):
        assert np.array_equal(listener_of(loaded, name).mix.get_param("s"), listener_of(nlp, name).mix.get_param("s"))
        assert np.array_equal(listener_of(loaded, name).mix.get_param("gamma"), listener_of(nlp, name).mix.get_param("gamma"))
    assert not np.allclose(listener_of(loaded, "tagger").mix.get_param("s"), listener_of(loaded, "tagger2").mix.get_param("s"))
    text = "she sat on the river bank ."
    assert [t.tag_ for t in loaded(text)] == [t.tag_ for t in nlp(text)]


def test_trained_component_and_its_elmo_can_be_sourced_into_a_new_pipeline(trained, tmp_path):
    trained.to_disk(tmp_path / "p")
    source = spacy.load(tmp_path / "p")
    nlp = spacy.blank("en")
    nlp.add_pipe("elmo_vectors", source=source)
    nlp.add_pipe("tagger", source=source)
    text = "the dog sat near the log ."
    assert nlp.get_pipe("elmo_vectors").listening_components == ["tagger"]
    assert [t.tag_ for t in nlp(text)] == [t.tag_ for t in trained(text)]


def test_pipeline_with_a_listener_pickles(trained):
    clone = pickle.loads(pickle.dumps(trained))
    text = "the cat saw a dog ."
    assert [t.tag_ for t in clone(text)] == [t.tag_ for t in trained(text)]


def test_elmo_embed_feeds_spacys_tok2vec_and_a_listening_tagger():
    nlp = tiny_nlp(output=None)
    nlp.add_pipe("tok2vec", config={"model": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy_elmo_w2v.ElmoEmbed.v1", "width": 16, "attrs": ["NORM", "SHAPE"],
                  "rows": [500, 100], "include_static_vectors": False, "elmo": listener_config()},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 16, "depth": 1, "window_size": 1, "maxout_pieces": 3},
    }})
    nlp.add_pipe("tagger", config={"model": {"@architectures": "spacy.Tagger.v2", "nO": None, "normalize": False,
                                              "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 16}}})
    optimizer = nlp.initialize(lambda: examples(nlp))
    s_before = listener_of(nlp, "tok2vec").mix.get_param("s").copy()
    for _ in range(3):
        nlp.update(examples(nlp), sgd=optimizer, **UPDATE)
    assert not np.allclose(listener_of(nlp, "tok2vec").mix.get_param("s"), s_before)
    doc = nlp("the cat sat on the mat .")
    assert doc.tensor.shape == (len(doc), 16)  # tok2vec's, untouched by elmo_vectors (output = null)


@pytest.mark.parametrize("factory,model", [
    ("ner", {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
             "hidden_width": 16, "maxout_pieces": 2, "use_upper": True, "nO": None, "tok2vec": listener_config()}),
    ("textcat", {"@architectures": "spacy.TextCatEnsemble.v2", "nO": None, "tok2vec": listener_config(),
                 "linear_model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 1,
                                  "no_output_layer": False, "length": 1024, "nO": None}}),
])
def test_listener_fits_the_parser_and_textcat_models(factory, model):
    nlp = tiny_nlp(output=None)
    nlp.add_pipe(factory, config={"model": model})
    texts = TOY_TEXTS[:6]
    if factory == "ner":
        annotations = [{"entities": [(0, len(t.split()[0]), "X")]} for t in texts]
    else:
        annotations = [{"cats": {"A": float(i % 2), "B": float(1 - i % 2)}} for i in range(len(texts))]
    make = lambda: [Example.from_dict(nlp.make_doc(t), a) for t, a in zip(texts, annotations)]  # noqa: E731
    optimizer = nlp.initialize(make)
    s_before = listener_of(nlp, factory).mix.get_param("s").copy()
    for _ in range(2):  # the parser's output layer starts at zero: the first step sends no gradient down
        nlp.update(make(), sgd=optimizer, **UPDATE)
    assert not np.allclose(listener_of(nlp, factory).mix.get_param("s"), s_before)
    nlp("the cat sat .")


# -- what elmo_vectors stores ------------------------------------------------


def test_empty_and_very_long_docs():
    nlp = tiny_nlp(output=None, max_length=16)
    add_tagger(nlp)
    nlp.initialize(lambda: examples(nlp))
    empty = nlp("")
    assert empty._.elmo_layers.shape == (N_LAYERS, 0, WIDTH) and listener_of(nlp).predict([empty])[0].shape == (0, WIDTH)
    words = ("the cat sat on the mat . " * 500).split()
    long_doc = nlp(Doc(nlp.vocab, words=words))
    assert long_doc._.elmo_layers.shape == (N_LAYERS, len(words), WIDTH)
    assert listener_of(nlp).predict([long_doc])[0].shape == (len(words), WIDTH)
    assert all(t.tag_ for t in long_doc)
    # read in windows of max_length: the window at token 16 starts afresh
    alone = nlp(Doc(nlp.vocab, words=words[16:32]))
    assert np.allclose(long_doc._.elmo_layers[:, 16:32], alone._.elmo_layers, atol=1e-6)


def test_float16_layers_take_half_the_memory_and_feed_the_listener():
    half = tiny_nlp(output=None, layers_dtype="float16")
    full = tiny_nlp(output=None)
    text = "the bank raised interest rates ."
    a, b = half(text)._.elmo_layers, full(text)._.elmo_layers
    assert a.dtype == np.float16 and a.nbytes * 2 == b.nbytes
    assert half.get_pipe("elmo_vectors").layer_bytes_per_token == N_LAYERS * WIDTH * 2
    assert np.allclose(a, b, atol=2e-3)
    add_tagger(half)
    half.initialize(lambda: examples(half))
    assert half(text)[0].tag_


def test_output_null_leaves_doc_tensor_to_other_components():
    nlp = tiny_nlp(output=None)
    doc = nlp.make_doc("the cat sat")
    doc.tensor = np.ones((3, 5), dtype="float32")
    doc = nlp(doc)
    assert np.array_equal(doc.tensor, np.ones((3, 5))) and doc._.elmo_layers is not None
    assert "vector" not in doc.user_token_hooks


def test_analyze_pipes_shows_what_elmo_vectors_writes():
    nlp = tiny_nlp(output=None)
    assigns = nlp.analyze_pipes(pretty=False)["summary"]["elmo_vectors"]["assigns"]
    assert {"doc._.elmo_layers", "doc._.elmo_bilm", "doc.tensor"} <= set(assigns)


# -- misconfigurations ---------------------------------------------------------


def test_training_without_elmo_in_annotating_components_is_a_clear_error():
    nlp = tiny_nlp(output=None)
    add_tagger(nlp)
    optimizer = nlp.initialize(lambda: examples(nlp))
    with pytest.raises(UserInputError, match="annotating_components"):
        nlp.update(examples(nlp), sgd=optimizer, exclude=["elmo_vectors"])


def test_disabled_elmo_vectors_at_inference_is_a_clear_error(trained):
    with trained.select_pipes(disable=["elmo_vectors"]):
        with pytest.raises(UserInputError, match="enable_pipe"):
            trained("the cat sat .")


def test_listener_without_elmo_vectors_in_the_pipeline_is_a_clear_error():
    nlp = spacy.blank("en")
    add_tagger(nlp)
    with pytest.raises(UserInputError, match="no 'elmo_vectors' component before it"):
        nlp.initialize(lambda: examples(nlp))


def test_listener_width_that_does_not_match_the_bilm_is_a_clear_error():
    nlp = tiny_nlp(output=None)
    with pytest.raises(UserInputError, match=f"Set width = {WIDTH}"):
        add_tagger(nlp, width=10)


def test_sourcing_a_trained_component_onto_another_bilm_is_a_clear_error(trained, tmp_path):
    trained.to_disk(tmp_path / "p")
    other = tiny_nlp(output=None, seed=1)  # another biLM (another identity)
    with pytest.raises(UserInputError, match="Source 'elmo_vectors' from the pipeline"):
        other.add_pipe("tagger", source=spacy.load(tmp_path / "p"))


def test_docs_with_layers_of_another_bilm_are_a_clear_error(trained):
    other = tiny_nlp(output=None, seed=1)
    doc = other("the cat sat .")
    with pytest.raises(UserInputError, match="learned its ELMo mix on the layers of biLM"):
        trained.get_pipe("tagger")(doc)


# -- pipelines saved by version 0.1 -------------------------------------------


def test_pipeline_saved_with_output_mix_loads_with_a_warning_and_the_same_vectors():
    with pytest.warns(FutureWarning, match='read as output = "average"'):
        nlp = spacy.load(LEGACY)
    assert nlp.get_pipe("elmo_vectors").cfg["output"] == "average"
    doc = nlp("the bank raised rates .")
    assert np.allclose(doc.tensor, np.load(LEGACY.parent / "elmo_v0_1_tensor.npy"), atol=1e-6)
    assert np.array_equal(doc[1].vector, doc.tensor[1])


def test_pipeline_of_version_0_1_serves_a_listener_although_it_keeps_no_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nlp = spacy.load(LEGACY)
    assert nlp.get_pipe("elmo_vectors").cfg["keep_layers"] is False
    add_tagger(nlp)
    optimizer = nlp.initialize(lambda: examples(nlp))
    nlp.update(examples(nlp), sgd=optimizer, **UPDATE)
    doc = nlp("the cat sat on the mat .")
    assert doc._.elmo_layers.shape == (N_LAYERS, len(doc), WIDTH) and doc[1].tag_
