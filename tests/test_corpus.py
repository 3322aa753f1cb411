"""Corpus readers, the normalizer and the vocabulary."""
import json

import numpy as np
import pytest
import spacy
from spacy.tokens import DocBin

from spacy_elmo_w2v.corpus import TokenizedCorpus, build_vocab, encode_corpus, read_corpus
from spacy_elmo_w2v.errors import UserInputError
from spacy_elmo_w2v.normalize import PTBNormalizer
from spacy_elmo_w2v.vocab import Vocabulary


@pytest.mark.parametrize(
    "text,norm",
    [("Stock", "stock"), ("1987", "N"), ("1,987.5", "N"), ("-0.5", "N"), ("3/4", "N"), ("N", "N"),
     ("U.S.", "u.s."), ("1980s", "1980s"), ("p53", "p53"), ("<unk>", "<unk>")],
)
def test_ptb_normalizer(text, norm):
    assert PTBNormalizer()(text) == norm


def test_normalizer_is_registered_and_pickles():
    import pickle

    make = spacy.registry.misc.get("spacy_elmo_w2v.PTBNormalizer.v1")
    normalizer = make(lowercase=False)
    assert normalizer("Stock") == "Stock"
    assert pickle.loads(pickle.dumps(normalizer))("1987") == "N"


def test_plain_text_is_one_sentence_per_line(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat\n\n  a dog \n")
    corpus = read_corpus(path)
    assert list(corpus.sentences()) == [["the", "cat", "sat"], ["a", "dog"]]


def test_docbin_is_read_by_sentence(tmp_path):
    nlp = spacy.blank("en")
    doc = nlp("The cat sat.  A dog ran.")
    for token in doc:
        token.is_sent_start = token.i in (0, 5)
    path = tmp_path / "c.spacy"
    DocBin(docs=[doc, nlp("No sentences here")]).to_disk(path)
    corpus = read_corpus(path)
    assert list(corpus.sentences()) == [["The", "cat", "sat", "."], ["A", "dog", "ran", "."], ["No", "sentences", "here"]]


def test_jsonl_texts_are_tokenized_by_spacy(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "Stocks rose 1,987.5 points."}) + "\n\n" + json.dumps({"text": "U.S. shares"}) + "\n")
    corpus = read_corpus(path)
    assert list(corpus.sentences()) == [["Stocks", "rose", "1,987.5", "points", "."], ["U.S.", "shares"]]


def test_jsonl_without_text_names_the_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    with pytest.raises(UserInputError, match=r"c\.jsonl, line 2.*\"text\""):
        read_corpus(path)


def test_corrupt_docbin_is_an_error(tmp_path):
    path = tmp_path / "broken.spacy"
    path.write_bytes(b"not a docbin")
    with pytest.raises(UserInputError, match=r"broken\.spacy is not a readable \.spacy DocBin"):
        read_corpus(path)


def test_vocabulary_sorts_by_count_and_maps_rare_words_to_unk():
    corpus = TokenizedCorpus("b a b c b a Stock stock".split(), np.array([8]))
    vocab = build_vocab(corpus, PTBNormalizer(), min_count=2)
    assert vocab.words == ["<unk>", "b", "a", "stock"]
    assert vocab.counts.tolist() == [1, 3, 2, 2]  # "c" went to <unk>
    enc = encode_corpus(corpus, vocab, PTBNormalizer())
    assert vocab.decode(enc.ids) == ["b", "a", "b", "<unk>", "b", "a", "stock", "stock"]
    assert Vocabulary.from_dict(vocab.to_dict()).words == vocab.words


def test_encoded_corpus_knows_sentence_boundaries():
    corpus = TokenizedCorpus("a b c d e".split(), np.array([2, 3]))
    enc = encode_corpus(corpus, build_vocab(corpus, PTBNormalizer(), 1), PTBNormalizer())
    assert enc.offsets.tolist() == [0, 2, 5]
    assert enc.sentence_index().tolist() == [0, 0, 1, 1, 1]


def test_encode_raw_normalizes_each_distinct_token_once_and_maps_unknown_words_to_unk():
    vocab = Vocabulary.build({"the": 3, "n": 2}, min_count=1)
    calls = []

    def lower(token):
        calls.append(token)
        return token.lower()

    ids = vocab.encode_raw(["The", "the", "N", "zebra", "The"], lower, np.uint32)
    assert ids.dtype == np.uint32
    assert ids.tolist() == [vocab.index["the"], vocab.index["the"], vocab.index["n"], vocab.unk_id, vocab.index["the"]]
    assert sorted(calls) == ["N", "The", "the", "zebra"]
