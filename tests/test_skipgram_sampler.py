"""The bulk samplers: keep probabilities, noise distribution, windows, context masks."""
import numpy as np
import pytest
import torch

from spacy_elmo_w2v.skipgram.sampler import (
    context_mask,
    draw_negatives,
    keep_probabilities,
    noise_distribution,
    noise_table,
    sample_epoch,
)


def test_keep_probability_is_sqrt_t_over_f_capped_at_one():
    counts = np.array([0, 900_000, 90_000, 10_000, 10], dtype=np.int64)
    total = counts.sum()
    t = 1e-4
    keep = keep_probabilities(counts, t)
    expected = np.minimum(1.0, np.sqrt(t / (counts[1:] / total)))
    assert keep[0] == 0.0
    np.testing.assert_allclose(keep[1:].numpy(), expected, rtol=1e-5)


def test_zero_threshold_keeps_every_seen_word():
    keep = keep_probabilities(np.array([0, 5, 500]), 0.0)
    assert keep.tolist() == [0.0, 1.0, 1.0]


def test_subsampling_keeps_words_at_their_keep_rate():
    counts = np.array([0, 50_000, 5_000, 500], dtype=np.int64)
    ids = torch.from_numpy(np.repeat(np.arange(4), counts))
    keep = keep_probabilities(counts, 1e-3)
    g = torch.Generator().manual_seed(0)
    sample = sample_epoch(ids, torch.zeros_like(ids), keep, 5, g)
    kept = np.bincount(sample.words.numpy(), minlength=4)
    for w in (1, 2, 3):
        p = float(keep[w])
        sd = np.sqrt(counts[w] * p * (1 - p)) + 1e-9
        assert abs(kept[w] - counts[w] * p) < 5 * sd + 1


def test_negatives_follow_unigram_to_the_three_quarters():
    counts = np.array([1000, 300, 50, 7, 1], dtype=np.int64)
    noise = noise_distribution(counts)
    expected = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(noise.numpy(), expected, rtol=1e-5)
    draws = draw_negatives(noise_table(noise), 200_000, torch.Generator().manual_seed(1))
    empirical = np.bincount(draws.numpy(), minlength=5) / 200_000
    assert 0.5 * np.abs(empirical - expected).sum() < 0.01  # total variation distance


def test_window_radius_is_uniform_on_one_to_window():
    ids = torch.ones(60_000, dtype=torch.long)
    keep = torch.tensor([0.0, 1.0])
    sample = sample_epoch(ids, torch.zeros_like(ids), keep, 5, torch.Generator().manual_seed(2))
    assert int(sample.radius.min()) == 1 and int(sample.radius.max()) == 5
    freq = np.bincount(sample.radius.numpy(), minlength=6)[1:] / len(sample)
    np.testing.assert_allclose(freq, np.full(5, 0.2), atol=0.01)


def test_context_mask_respects_radius_and_sentence_ends():
    sentences = torch.tensor([0, 0, 0, 1, 1])
    radius = torch.tensor([2, 1, 2, 2, 1])
    mask = context_mask(sentences, radius, 0, 5, window=2)
    # columns are offsets -2, -1, 0, +1, +2
    expected = torch.tensor(
        [
            [0, 0, 0, 1, 1],  # center 0: +1, +2 (same sentence)
            [0, 1, 0, 1, 0],  # center 1: radius 1
            [1, 1, 0, 0, 0],  # center 2: +1 is another sentence
            [0, 0, 0, 1, 0],  # center 3: -1 is another sentence, +2 is past the end
            [0, 1, 0, 0, 0],  # center 4
        ],
        dtype=torch.bool,
    )
    assert torch.equal(mask, expected)


def test_same_seed_draws_the_same_epoch():
    ids = torch.arange(1000) % 50
    keep = torch.full((50,), 0.5)
    a = sample_epoch(ids, torch.zeros_like(ids), keep, 5, torch.Generator().manual_seed(7))
    b = sample_epoch(ids, torch.zeros_like(ids), keep, 5, torch.Generator().manual_seed(7))
    assert torch.equal(a.words, b.words) and torch.equal(a.radius, b.radius)


def test_noise_distribution_without_counts_is_an_error():
    with pytest.raises(ValueError):
        noise_distribution(np.zeros(3, dtype=np.int64))


def test_words_without_noise_mass_are_never_drawn():
    counts = np.array([0, 40, 0, 0, 9, 0], dtype=np.int64)
    draws = draw_negatives(noise_table(noise_distribution(counts)), 100_000, torch.Generator().manual_seed(3))
    assert set(draws.tolist()) == {1, 4}
