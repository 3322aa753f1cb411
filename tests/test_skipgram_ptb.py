"""Pretraining on the full Penn Treebank reaches the reference quality (about 15 s on 2 cores)."""
import pytest

from spacy_elmo_w2v.similarity import evaluate_pairs, read_pairs
from spacy_elmo_w2v.skipgram.pretrain import pretrain_skipgram

from .conftest import CONFIGS, shared_file

pytestmark = pytest.mark.slow  # trains on the full PTB


@pytest.fixture(scope="module")
def ptb_nlp(tmp_path_factory):
    train = shared_file("ptb", "ptb.train.txt")
    out = tmp_path_factory.mktemp("ptb") / "skipgram"
    return pretrain_skipgram(CONFIGS / "skipgram.cfg", out, overrides={"paths.train": str(train)}, progress=False)


def test_ptb_vocabulary_follows_the_d2l_recipe(ptb_nlp):
    words = ptb_nlp.get_pipe("skipgram_vectors").words
    assert len(words) == 6719  # d2l: 6719 words with count >= 10, <unk> included


def test_chip_neighbours_are_about_computers(ptb_nlp):
    neighbours = [w for w, _ in ptb_nlp.get_pipe("skipgram_vectors").most_similar("chip", n=10)]
    assert len({"microprocessor", "chips", "intel", "computer", "semiconductor"} & set(neighbours)) >= 2


def test_wordsim353_spearman_reaches_the_d2l_figure(ptb_nlp):
    pipe = ptb_nlp.get_pipe("skipgram_vectors")
    scores = evaluate_pairs(ptb_nlp.vocab.vectors, read_pairs(shared_file("eval", "wordsim353.txt")), pipe.normalizer)
    assert scores["covered"] > 200
    assert scores["spearman"] >= 0.22
