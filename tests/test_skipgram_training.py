"""The skip-gram loss and training loop learn what they should."""
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from spacy_elmo_w2v.corpus import TokenizedCorpus, build_vocab, encode_corpus
from spacy_elmo_w2v.idfile import IdFile
from spacy_elmo_w2v.normalize import PTBNormalizer
from spacy_elmo_w2v.skipgram.model import SGNSBatch, SkipGramModel, sgns_loss, sgns_loss_and_row_grads
from spacy_elmo_w2v.skipgram.batching import make_stream
from spacy_elmo_w2v.skipgram.train import train_skipgram

from .conftest import ANIMALS, VEHICLES, toy_sentences


def _toy_stream(n_sentences=1500):
    sents = toy_sentences(n_sentences)
    corpus = TokenizedCorpus([w for s in sents for w in s], np.array([len(s) for s in sents]))
    normalizer = PTBNormalizer()
    vocab = build_vocab(corpus, normalizer, min_count=1)
    enc = encode_corpus(corpus, vocab, normalizer)
    return vocab, IdFile(enc.ids, enc.offsets)


def _train(model, vocab, corpus, **kw):
    return train_skipgram(model, corpus, vocab.counts, drop_id=vocab.unk_id, **{**TRAIN_KW, **kw})


TRAIN_KW = dict(
    window=3, negative=5, subsample=0.0, batch_size=256, noise_samples=32, noise_groups=4,
    learn_rate=0.15, final_learn_rate=0.15, sync_every=8, seed=0, progress=False,
)


def _random_batch(V=12, B=4, w=2, M=6, K=5, G=1, dtype=torch.float64, seed=0, capacity=None):
    g = torch.Generator().manual_seed(seed)
    w_in = torch.randn(V, 3, dtype=dtype, generator=g, requires_grad=True)
    w_out = torch.randn(V, 3, dtype=dtype, generator=g, requires_grad=True)
    mask = torch.rand(B, 2 * w + 1, generator=g) > 0.4
    mask[:, w] = False
    batch = SGNSBatch(
        centers=torch.randint(0, V, (B,), generator=g),
        window_words=torch.randint(0, V, (B + 2 * w,), generator=g),
        context_mask=mask,
        noise=torch.randint(0, V, (G, M), generator=g),
        negatives_per_pair=K,
        capacity=capacity,
    )
    return w_in, w_out, batch


def _direct_loss(w_in, w_out, batch):
    """The loss written pair by pair, for comparison: center ``i`` scores the noise
    words of row ``i // ceil(capacity / G)`` (capacity: B unless the batch says)."""
    B, C = batch.context_mask.shape
    G, M = batch.noise.shape
    K = batch.negatives_per_pair
    per_group = math.ceil(max(B, batch.capacity or B) / G)
    total = 0.0
    n_pairs = 0
    for i in range(B):
        c = w_in[batch.centers[i]]
        noise = batch.noise[i // per_group]
        for j in range(C):
            if batch.context_mask[i, j]:
                n_pairs += 1
                total = total - F.logsigmoid(c @ w_out[batch.window_words[i + j]])
                for m in range(M):
                    total = total - (K / M) * F.logsigmoid(-(c @ w_out[noise[m]]))
    return total / (n_pairs * (1 + K))


# (centers, noise groups, capacity): one group; groups that divide the centers; a short last
# group; more groups than centers (rows left unused); a short batch of a larger capacity
GROUPINGS = [(4, 1, None), (6, 3, None), (7, 3, None), (3, 5, None), (3, 5, 10), (5, 2, 12)]


@pytest.mark.parametrize("B,G,capacity", GROUPINGS)
def test_sgns_loss_matches_a_direct_computation_over_pairs(B, G, capacity):
    w_in, w_out, batch = _random_batch(B=B, G=G, capacity=capacity)
    assert torch.allclose(sgns_loss(w_in, w_out, batch), _direct_loss(w_in, w_out, batch))


@pytest.mark.parametrize("B,G,capacity", GROUPINGS)
def test_sgns_gradients_match_autograd_of_the_direct_loss(B, G, capacity):
    w_in, w_out, batch = _random_batch(B=B, G=G, seed=3, capacity=capacity)
    sgns_loss(w_in, w_out, batch).backward()
    got = (w_in.grad.clone(), w_out.grad.clone())
    w_in.grad = w_out.grad = None
    _direct_loss(w_in, w_out, batch).backward()
    assert torch.allclose(got[0], w_in.grad) and torch.allclose(got[1], w_out.grad)


def test_noise_rows_of_groups_without_centers_are_not_touched():
    w_in, w_out, batch = _random_batch(B=3, G=5, seed=4)
    _, grads = sgns_loss_and_row_grads(w_in.detach(), w_out.detach(), batch)
    assert torch.equal(grads.output_rows, torch.cat([batch.window_words, batch.noise[:3].reshape(-1)]))
    assert grads.output_grads.shape == (len(grads.output_rows), w_out.shape[1])


def test_a_short_batch_multiplies_in_the_shapes_of_a_full_one():
    """The last batch of a chunk is short; in new shapes it cost oneDNN a kept kernel every chunk
    (bfloat16 on CPU), and a long run's memory grew. The shapes of every product stay those of a full batch."""
    from torch.overrides import TorchFunctionMode

    class Shapes(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.seen = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func is torch.bmm and args[0].shape[1] > 1:  # the noise products (the positive ones are per center)
                self.seen.append((tuple(args[0].shape), tuple(args[1].shape)))
            return func(*args, **(kwargs or {}))

    shapes = []
    for B in (12, 5, 1):
        w_in, w_out, batch = _random_batch(B=B, G=4, M=6, capacity=12, dtype=torch.float32, seed=B)
        with Shapes() as mode:
            sgns_loss_and_row_grads(w_in.detach(), w_out.detach(), batch)
        shapes.append(mode.seen)
    assert len(shapes[0]) == 3 and shapes[1] == shapes[0] and shapes[2] == shapes[0]


def test_sgns_loss_in_float32_stays_close_to_float64():
    """float32 weights may multiply the noise words in bfloat16; the loss barely moves."""
    w_in, w_out, batch = _random_batch(B=5, G=2, seed=5)
    exact = sgns_loss(w_in, w_out, batch)
    fast = sgns_loss(w_in.detach().float(), w_out.detach().float(), batch)
    assert abs(float(fast) - float(exact)) < 0.02 * float(exact)


def test_loss_falls_during_training():
    vocab, stream = _toy_stream()
    model = SkipGramModel(len(vocab), 16)
    log = _train(model, vocab, stream, max_epochs=6)
    untrained = math.log(2)  # the output table starts at zero: every score is 0
    assert log.epoch_losses[0] < untrained - 0.1
    assert log.epoch_losses[-1] < log.epoch_losses[0] - 0.03  # 0.45 -> 0.41 on this toy corpus


def test_tokens_per_second_is_corpus_tokens_times_epochs_over_the_training_time():
    vocab, stream = _toy_stream(300)
    model = SkipGramModel(len(vocab), 8)
    ticks = iter([100.0, 104.0])  # the clock at the start and at the end of training
    log = _train(model, vocab, stream, max_epochs=3, clock=lambda: next(ticks))
    assert log.corpus_tokens == 3 * len(stream)
    assert log.seconds == 4.0
    assert log.tokens_per_second == 3 * len(stream) / 4.0


def test_related_words_end_closer_than_unrelated():
    vocab, stream = _toy_stream()
    model = SkipGramModel(len(vocab), 16)
    _train(model, vocab, stream, max_epochs=8)
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
        _train(model, vocab, stream, max_epochs=2)
        weights.append(model.input.weight.detach().clone())
    assert torch.equal(weights[0], weights[1])


def test_unknown_words_are_neither_centers_nor_contexts():
    ids = np.array([0, 1, 2, 0, 3])
    stream = make_stream(ids, np.zeros(5, dtype=np.int64), drop_id=0, device=torch.device("cpu"))
    assert stream.ids.tolist() == [1, 2, 3]
    assert stream.n_corpus_tokens == 5


def test_training_in_small_chunks_still_learns():
    """Chunks cut windows at their ends, nothing more: small chunks learn the same structure."""
    vocab, corpus = _toy_stream()
    model = SkipGramModel(len(vocab), 16)
    log = _train(model, vocab, corpus, max_epochs=8, chunk_tokens=997)
    vecs = F.normalize(model.input.weight.detach(), dim=1)
    sim = lambda a, b: float(vecs[vocab.index[a]] @ vecs[vocab.index[b]])  # noqa: E731
    within = np.mean([sim(a, b) for g in (ANIMALS, VEHICLES) for a in g for b in g if a != b])
    across = np.mean([sim(a, b) for a in ANIMALS for b in VEHICLES])
    assert within > across + 0.3
    assert log.corpus_tokens == 8 * len(corpus)


def test_row_gradients_equal_the_dense_autograd_gradients():
    from spacy_elmo_w2v.skipgram.model import sgns_loss_and_row_grads

    w_in, w_out, batch = _random_batch(seed=7)
    sgns_loss(w_in, w_out, batch).backward()
    loss, grads = sgns_loss_and_row_grads(w_in.detach(), w_out.detach(), batch)
    dense_in, dense_out = grads.dense(w_in.shape, w_out.shape, torch.ones((), dtype=w_in.dtype))
    assert torch.allclose(dense_in, w_in.grad) and torch.allclose(dense_out, w_out.grad)
    assert grads.input_rows.numel() == batch.centers.numel()


def test_training_writes_metrics_lines(tmp_path):
    import json

    vocab, corpus = _toy_stream(300)
    path = tmp_path / "metrics.jsonl"
    _train(SkipGramModel(len(vocab), 8), vocab, corpus, max_epochs=2, metrics_path=path, log_interval=0.0)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) >= 2
    last = records[-1]
    assert last["tokens"] == last["total_tokens"] == 2 * len(corpus)
    assert last["rss_mb"] > 0 and last["tokens_per_s"] > 0 and last["epoch"] == 2
    assert all(a["tokens"] <= b["tokens"] for a, b in zip(records, records[1:]))
