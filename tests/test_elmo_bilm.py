"""Behaviour of the biLM torch modules: causality, layer layout, heads, learning."""
import math

import numpy as np
import pytest
import torch

from spacy_elmo_w2v.elmo.batching import sequence_batch, stream_batches
from spacy_elmo_w2v.elmo.bilm import BiLM, reverse_padded
from spacy_elmo_w2v.elmo.spec import BiLMSpec, CharCNNSpec, EncoderSpec, HeadSpec

N_WORDS = 50


def make_spec(kind="adaptive", tie=False, char_cnn=None, word_width=8, n_layers=2, projection=8, hidden=16) -> BiLMSpec:
    return BiLMSpec(
        encoder=EncoderSpec(word_width, char_cnn),
        head=HeadSpec(kind, [10, 30], 2.0, tie),
        n_layers=n_layers,
        hidden_size=hidden,
        projection_size=projection,
        residual=True,
        dropout=0.0,
    )


def make_bilm(seed=0, **kw) -> BiLM:
    torch.manual_seed(seed)
    return BiLM(make_spec(**kw), N_WORDS, [f"w{i}" for i in range(N_WORDS)]).eval()


def perturbed_at(ids: torch.Tensor, t: int) -> torch.Tensor:
    changed = ids.clone()
    changed[:, t] = (changed[:, t] + 7) % N_WORDS
    return changed


@pytest.fixture(scope="module")
def bilm():
    return make_bilm()


@pytest.fixture(scope="module")
def ids():
    torch.manual_seed(1)
    return torch.randint(0, N_WORDS, (2, 9))


def test_layers_shape_is_layers_plus_one_by_batch_time_width(bilm, ids):
    out = bilm.layers(ids)
    assert out.shape == (3, 2, 9, 16)


def test_layer_zero_is_token_representation_duplicated(bilm, ids):
    out = bilm.layers(ids)
    token = bilm.encoder(ids)
    assert torch.equal(out[0], torch.cat([token, token], dim=-1))


@torch.no_grad()
def test_forward_lm_never_sees_later_tokens(bilm, ids):
    t = 5
    before = bilm.layers(ids)[1:, :, :, :8]
    after = bilm.layers(perturbed_at(ids, t))[1:, :, :, :8]
    assert torch.allclose(before[:, :, :t], after[:, :, :t])
    assert not torch.allclose(before[:, :, t:], after[:, :, t:])


@torch.no_grad()
def test_backward_lm_never_sees_earlier_tokens(bilm, ids):
    t = 3
    before = bilm.layers(ids)[1:, :, :, 8:]
    after = bilm.layers(perturbed_at(ids, t))[1:, :, :, 8:]
    assert torch.allclose(before[:, :, t + 1 :], after[:, :, t + 1 :])
    assert not torch.allclose(before[:, :, : t + 1], after[:, :, : t + 1])


@torch.no_grad()
def test_backward_lm_ignores_padding_beyond_each_rows_length(bilm, ids):
    lengths = torch.tensor([9, 5])
    padded = ids.clone()
    padded[1, 5:] = 0
    other_padding = padded.clone()
    other_padding[1, 5:] = 3
    a = bilm.layers(padded, lengths)[:, 1, :5]
    b = bilm.layers(other_padding, lengths)[:, 1, :5]
    assert torch.allclose(a, b)


def test_reverse_padded_reverses_within_length_only():
    x = torch.arange(8).reshape(2, 4, 1)
    out = reverse_padded(x, torch.tensor([4, 2]))
    assert out[..., 0].tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]


def test_full_softmax_tied_shares_weights_with_word_embeddings():
    bilm = make_bilm(kind="full", tie=True)
    assert bilm.head.decoder.weight is bilm.encoder.word_embed.weight


def test_adaptive_softmax_with_tied_embeddings_is_refused():
    with pytest.raises(ValueError, match="full softmax only"):
        make_bilm(kind="adaptive", tie=True)


@pytest.mark.parametrize("kind", ["full", "adaptive"])
def test_head_log_probs_sum_to_one(kind):
    bilm = make_bilm(kind=kind)
    log_probs, _ = bilm.next_log_probs(torch.tensor([[1, 2, 3]]))
    assert log_probs.shape == (1, N_WORDS)
    assert torch.allclose(log_probs.exp().sum(), torch.tensor(1.0), atol=1e-4)


def test_adaptive_head_names_the_parameters_of_clusters_no_target_falls_into():
    head = make_bilm(kind="adaptive").head  # clusters: 0-9 shortlist, 10-29, 30-49
    tail = [list(cluster.parameters()) for cluster in head.adaptive.tail]
    assert head.idle_parameters(torch.tensor([[1, 12], [-1, 3]])) == tail[1]
    assert head.idle_parameters(torch.tensor([5, 30, 29])) == []
    assert make_bilm(kind="full").head.idle_parameters(torch.tensor([1])) == []


def test_objective_with_every_parameter_gives_idle_clusters_a_zero_gradient_and_keeps_the_loss():
    from spacy_elmo_w2v.elmo.objective import StreamObjective

    bilm = make_bilm(kind="adaptive").train()
    batch = next(stream_batches(np.arange(40) % 10, 2, 6))  # every target in the shortlist
    plain = bilm.lm_output(batch).loss()
    touched = StreamObjective(bilm, every_parameter=True)(batch).loss()
    touched.backward()
    assert torch.equal(touched, plain)
    for cluster in bilm.head.adaptive.tail:
        assert all(p.grad is not None and not p.grad.any() for p in cluster.parameters())


def test_char_cnn_encoder_reads_spelling_of_words_passed_as_chars():
    from spacy_elmo_w2v.elmo.encoder import char_ids

    bilm = make_bilm(word_width=0, char_cnn=CharCNNSpec(4, [[1, 4], [2, 4]], 2, 10))
    ids = torch.zeros(1, 2, dtype=torch.int64)  # both tokens are the same (unknown) id
    chars = torch.from_numpy(char_ids(["zebra", "okapi"], 10)).reshape(1, 2, 10)
    x = bilm.encoder(ids, chars)
    assert not torch.allclose(x[0, 0], x[0, 1])


def test_stream_batches_target_is_next_token_in_both_directions():
    ids = np.arange(21)
    batch = next(stream_batches(ids, batch_size=2, bptt=4))
    assert torch.equal(batch.fwd_targets, batch.fwd_inputs + 1)
    assert torch.equal(batch.bwd_targets, batch.bwd_inputs - 1)


def test_sequence_batch_wraps_sentences_in_boundaries_and_masks_padding():
    batch = sequence_batch([np.array([5, 6, 7]), np.array([8])], boundary_id=1)
    assert batch.fwd_inputs.tolist() == [[1, 5, 6, 7], [1, 8, 1, 1]]
    assert batch.fwd_targets.tolist() == [[5, 6, 7, 1], [8, 1, -1, -1]]
    assert batch.bwd_inputs.tolist() == [[1, 7, 6, 5], [1, 8, 1, 1]]
    assert batch.bwd_targets.tolist() == [[7, 6, 5, 1], [8, 1, -1, -1]]


def test_loss_falls_on_a_small_corpus():
    torch.manual_seed(0)
    bilm = BiLM(make_spec(), N_WORDS).train()
    stream = np.tile(np.arange(20), 30)  # a very learnable stream
    optimizer = torch.optim.Adam(bilm.parameters(), lr=0.01)
    losses = []
    for _ in range(3):
        for batch in stream_batches(stream, batch_size=4, bptt=10):
            loss = bilm.lm_output(batch).loss()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])
