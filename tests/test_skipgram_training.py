"""The skip-gram loss and training loop learn what they should."""
import numpy as np
import torch
from torch.nn import functional as F

from spacy_elmo_w2v.corpus import TokenizedCorpus, build_vocab, encode_corpus
from spacy_elmo_w2v.normalize import PTBNormalizer
from spacy_elmo_w2v.skipgram.model import SkipGramModel, sgns_loss
from spacy_elmo_w2v.skipgram.train import make_stream, train_skipgram

from .conftest import ANIMALS, VEHICLES, toy_sentences


def _toy_stream(n_sentences=1500):
    sents = toy_sentences(n_sentences)
    corpus = TokenizedCorpus([w for s in sents for w in s], np.array([len(s) for s in sents]))
    normalizer = PTBNormalizer()
    vocab = build_vocab(corpus, normalizer, min_count=1)
    enc = encode_corpus(corpus, vocab, normalizer)
    return vocab, make_stream(enc.ids, enc.sentence_index(), len(vocab), vocab.unk_id, torch.device("cpu"))


TRAIN_KW = dict(
    window=3, negative=5, subsample=0.0, batch_size=256, noise_samples=32,
    learn_rate=0.02, final_learn_rate=0.02, seed=0, progress=False,
)


def test_sgns_loss_matches_a_direct_computation_over_pairs():
    torch.manual_seed(0)
    B, w, d, M, K = 4, 2, 3, 6, 5
    c = torch.randn(B, d)
    win = torch.randn(B + 2 * w, d)
    noise = torch.randn(M, d)
    mask = torch.rand(B, 2 * w + 1) > 0.4
    mask[:, w] = False
    got = sgns_loss(c, win, mask, noise, K)
    pos = neg = 0.0
    n_pairs = 0
    for i in range(B):
        for j in range(2 * w + 1):
            if mask[i, j]:
                n_pairs += 1
                pos += -F.logsigmoid(c[i] @ win[i + j])
                neg += (K / M) * sum(-F.logsigmoid(-(c[i] @ noise[m])) for m in range(M))
    expected = (pos + neg) / (n_pairs * (1 + K))
    # the noise product may run in bfloat16: allow its rounding
    assert torch.allclose(got, expected, rtol=2e-2)


def test_loss_falls_during_training():
    vocab, stream = _toy_stream()
    model = SkipGramModel(len(vocab), 16)
    log = train_skipgram(model, stream, max_epochs=6, **TRAIN_KW)
    assert log.epoch_losses[-1] < log.epoch_losses[0] - 0.1
    assert log.tokens_per_second > 0


def test_related_words_end_closer_than_unrelated():
    vocab, stream = _toy_stream()
    model = SkipGramModel(len(vocab), 16)
    train_skipgram(model, stream, max_epochs=8, **TRAIN_KW)
    vecs = F.normalize(model.input.weight.detach(), dim=1)

    def sim(a, b):
        return float(vecs[vocab.index[a]] @ vecs[vocab.index[b]])

    within = np.mean([sim(a, b) for g in (ANIMALS, VEHICLES) for a in g for b in g if a != b])
    across = np.mean([sim(a, b) for a in ANIMALS for b in VEHICLES])
    assert within > across + 0.3


def test_seeded_runs_repeat_exactly():
    vocab, stream = _toy_stream(300)
    weights = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SkipGramModel(len(vocab), 8)
        train_skipgram(model, stream, max_epochs=2, **TRAIN_KW)
        weights.append(model.input.weight.detach().clone())
    assert torch.equal(weights[0], weights[1])


def test_unknown_words_are_neither_centers_nor_contexts():
    ids = np.array([0, 1, 2, 0, 3])
    stream = make_stream(ids, np.zeros(5, dtype=np.int64), 4, drop_id=0, device=torch.device("cpu"))
    assert stream.ids.tolist() == [1, 2, 3]
    assert stream.counts.tolist() == [0, 1, 1, 1]
    assert stream.n_corpus_tokens == 5
