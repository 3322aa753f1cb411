"""Pretraining goes one way: the component builds its vocabulary and model, the loop trains
the torch module, the component takes the result; one seed, ``[system] seed``."""
import copy

import numpy as np
import pytest
import spacy
import torch
from spacy.training import Example

from spacy_elmo_w2v.errors import UserInputError
from spacy_elmo_w2v.skipgram.pretrain import pretrain_skipgram
from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo
from spacy_elmo_w2v.vocab import Vocabulary

from ._elmo_helpers import CONFIG as ELMO_CONFIG, TOY_TEXTS, tiny_pipe_config, tiny_training, write_toy_corpus
from .conftest import CONFIGS, TOY_SKIPGRAM_OVERRIDES

COUNTS = {"the": 9, "cat": 4, "sat": 3, "mat": 2}


def _skipgram():
    nlp = spacy.blank("en")
    return nlp, nlp.add_pipe("skipgram_vectors", config={"min_count": 1, "model": {"width": 8}})


def _elmo():
    nlp = spacy.blank("en")
    return nlp, nlp.add_pipe("elmo_vectors", config=tiny_pipe_config())


def _examples(nlp):
    return lambda: [Example(nlp.make_doc(t), nlp.make_doc(t)) for t in TOY_TEXTS]


def test_skipgram_initialize_from_vocabulary_sizes_the_tables_and_vectors_to_it():
    nlp, pipe = _skipgram()
    words = pipe.vocabulary_from_counts(COUNTS, max_size=None, source="counts")
    pipe.initialize_from_vocabulary(words)
    assert pipe.words is words
    assert pipe.torch_model.input.weight.shape[0] == len(words)
    assert nlp.vocab.vectors.shape == (len(words) - 1, 8)  # <unk> has no vector


@pytest.mark.parametrize("factory,specials", [("skipgram_vectors", set()), ("elmo_vectors", {"<eos>"})])
def test_vocabulary_from_counts_uses_the_component_min_count(factory, specials):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe(factory, config={"min_count": 3})
    words = pipe.vocabulary_from_counts(COUNTS, max_size=None, source="counts")
    assert set(words.words) - {words.words[words.unk_id]} == {"the", "cat", "sat"} | specials
    capped = pipe.vocabulary_from_counts(COUNTS, max_size=1, source="counts")
    assert set(capped.words) - {capped.words[capped.unk_id]} == {"the"} | specials


@pytest.mark.parametrize("make", [_skipgram, _elmo], ids=["skipgram", "elmo"])
def test_initialize_builds_through_initialize_from_vocabulary(make, monkeypatch):
    nlp, pipe = make()
    seen = []
    original = type(pipe).initialize_from_vocabulary

    def spy(self, words, **kwargs):
        seen.append(words)
        return original(self, words, **kwargs)

    monkeypatch.setattr(type(pipe), "initialize_from_vocabulary", spy)
    nlp.initialize(_examples(nlp))
    assert len(seen) == 1 and "cat" in seen[0].words


@pytest.mark.parametrize("make", [_skipgram, _elmo], ids=["skipgram", "elmo"])
def test_set_trained_takes_the_weights_of_a_trained_module(make):
    nlp, pipe = make()
    nlp.initialize(_examples(nlp))
    trained = copy.deepcopy(pipe.torch_model)
    with torch.no_grad():
        for p in trained.parameters():
            p.add_(1.0)
    pipe.set_trained(trained)
    for mine, theirs in zip(pipe.torch_model.parameters(), trained.parameters()):
        assert torch.equal(mine, theirs)


def test_skipgram_set_trained_updates_the_vocab_vectors():
    nlp, pipe = _skipgram()
    nlp.initialize(_examples(nlp))
    trained = copy.deepcopy(pipe.torch_model)
    with torch.no_grad():
        trained.input.weight.fill_(0.5)
    pipe.set_trained(trained)
    assert np.allclose(nlp.vocab["cat"].vector, 0.5)


def test_elmo_set_trained_gives_the_weights_a_new_identity():
    nlp, pipe = _elmo()
    nlp.initialize(_examples(nlp))
    before = pipe.bilm_id
    pipe.set_trained(pipe.torch_model)
    assert pipe.bilm_id != before and not pipe.torch_model.training


def test_elmo_initialize_from_vocabulary_builds_a_bilm_over_it():
    nlp, pipe = _elmo()
    words = pipe.build_vocabulary(_corpus_of(nlp))
    assert len(words) > 3
    assert pipe.initialize_from_vocabulary(words) is None  # no vectors, none counted
    assert pipe.lm_vocab is words
    bilm = pipe.bilm
    # one input embedding row and one next-word log-probability per word of the vocabulary
    assert bilm.n_words == len(words)
    assert bilm.encoder.word_embed.weight.shape[0] == len(words)
    with torch.no_grad():
        log_probs, _ = bilm.next_log_probs(torch.tensor([[words.unk_id]]))
    assert log_probs.shape == (1, len(words))


def _corpus_of(nlp):
    from spacy_elmo_w2v.corpus import TokenizedCorpus, tokens_of_docs

    tokens, lengths = tokens_of_docs(nlp.make_doc(t) for t in TOY_TEXTS)
    return TokenizedCorpus(tokens, lengths)


def test_a_seed_in_the_skipgram_pretrain_section_is_an_error_naming_system_seed(tmp_path, toy_corpus_path):
    overrides = {"paths.train": str(toy_corpus_path), **TOY_SKIPGRAM_OVERRIDES, "pretrain.seed": 1}
    with pytest.raises(UserInputError, match=r"\[system\] seed"):
        pretrain_skipgram(CONFIGS / "skipgram.cfg", tmp_path / "out", overrides=overrides, progress=False)


def test_a_seed_in_the_elmo_pretrain_section_is_an_error_naming_system_seed(tmp_path):
    train, dev = write_toy_corpus(tmp_path / "train.txt"), write_toy_corpus(tmp_path / "dev.txt")
    with pytest.raises(UserInputError, match=r"\[system\] seed"):
        pretrain_elmo(ELMO_CONFIG, tmp_path / "out", {**tiny_training(train, dev), "pretrain.seed": 1})


def _skipgram_vectors(out, corpus, seed):
    overrides = {"paths.train": str(corpus), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1, "system.seed": seed}
    nlp = pretrain_skipgram(CONFIGS / "skipgram.cfg", out, overrides=overrides, progress=False)
    return nlp.vocab.vectors.data.copy(), nlp.get_pipe("skipgram_vectors").cfg["seed"]


def test_system_seed_seeds_skipgram_pretraining_and_the_component(tmp_path, toy_corpus_path):
    a, component_seed = _skipgram_vectors(tmp_path / "a", toy_corpus_path, 3)
    again, _ = _skipgram_vectors(tmp_path / "b", toy_corpus_path, 3)
    other, _ = _skipgram_vectors(tmp_path / "c", toy_corpus_path, 4)
    assert component_seed == 3
    assert np.array_equal(a, again) and not np.array_equal(a, other)
