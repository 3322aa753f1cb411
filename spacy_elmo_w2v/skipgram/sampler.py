"""Bulk samplers for skip-gram training: all on the device, no loop per token.

- :func:`keep_probabilities`: subsampling of frequent words (Mikolov et al.):
  keep a word of relative frequency f with probability min(1, sqrt(t / f)).
- :func:`noise_distribution`: negatives are drawn from unigram counts ** 0.75;
  :func:`noise_table` turns it into a cumulative table once, so each draw
  (:func:`draw_negatives`) is a binary search, O(n log V), not O(V) per call.
- :func:`sample_epoch`: one epoch's worth of centers: the subsampled corpus,
  the sentence of each kept token, and a window radius per center drawn
  uniformly from 1..window.
- :func:`context_mask`: which of the 2*window neighbours of each center are its
  context words (inside the drawn radius and the same sentence).
"""
from dataclasses import dataclass

import numpy as np
import torch


def keep_probabilities(counts: np.ndarray, t: float) -> torch.Tensor:
    """Per-word keep probability ``min(1, sqrt(t * total / count))``.

    counts: ``int64`` corpus counts per vocabulary id (0 for never-seen ids,
        which are then never kept). ``t <= 0`` disables subsampling.
    Returns a float32 tensor of the vocabulary's size.
    """
    counts_t = torch.as_tensor(counts, dtype=torch.float64)
    if t <= 0:
        return (counts_t > 0).float()
    total = counts_t.sum()
    freq = counts_t / total
    keep = torch.where(freq > 0, torch.sqrt(t / freq.clamp_min(1e-30)), torch.zeros_like(freq))
    return keep.clamp(max=1.0).float()


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> torch.Tensor:
    """Negative-sampling distribution ``counts ** power``, normalized (float32)."""
    weights = torch.as_tensor(counts, dtype=torch.float64).clamp_min(0) ** power
    if weights.sum() <= 0:
        raise ValueError("noise distribution has no mass: all counts are zero")
    return (weights / weights.sum()).float()


@dataclass
class EpochSample:
    """The centers of one epoch, in corpus order.

    words: ``int64`` ids of the kept tokens (subsampled corpus).
    sentences: ``int64`` sentence index of each kept token.
    radius: ``int64`` window radius of each kept token, in 1..window.
    """

    words: torch.Tensor
    sentences: torch.Tensor
    radius: torch.Tensor

    def __len__(self) -> int:
        return int(self.words.shape[0])

    def padded_words(self, window: int) -> torch.Tensor:
        """``words`` with ``window`` pad ids (0, always masked) on each side."""
        pad = self.words.new_zeros(window)
        return torch.cat([pad, self.words, pad])


def sample_epoch(
    ids: torch.Tensor,
    sentences: torch.Tensor,
    keep_prob: torch.Tensor,
    window: int,
    generator: torch.Generator,
) -> EpochSample:
    """Subsample the corpus and draw a window radius for every kept token.

    ids, sentences: the (already filtered) corpus ids and their sentence index,
        on the training device.
    keep_prob: per-word keep probability (see :func:`keep_probabilities`).
    generator: a seeded generator on the same device, so runs repeat.
    """
    device = ids.device
    u = torch.rand(ids.shape[0], generator=generator, device=device)
    kept = u < keep_prob[ids]
    words = ids[kept]
    radius = torch.randint(1, window + 1, (words.shape[0],), generator=generator, device=device)
    return EpochSample(words, sentences[kept], radius)


def context_mask(
    sentences: torch.Tensor, radius: torch.Tensor, start: int, stop: int, window: int
) -> torch.Tensor:
    """Boolean ``[stop - start, 2 * window + 1]``: is the token at offset ``o`` a context word?

    Column ``j`` is offset ``o = j - window``. A neighbour counts when
    ``0 < |o| <= radius[i]``, it lies inside the corpus, and it is in the same
    sentence as the center; the center column (``o = 0``) is always False.
    """
    device = sentences.device
    n = sentences.shape[0]
    offs = torch.arange(-window, window + 1, device=device)
    centers = torch.arange(start, stop, device=device)
    pos = centers[:, None] + offs[None, :]
    inside = (pos >= 0) & (pos < n)
    pos_c = pos.clamp(0, n - 1)
    same = sentences[pos_c] == sentences[centers][:, None]
    near = (offs.abs()[None, :] <= radius[start:stop, None]) & (offs != 0)[None, :]
    return inside & same & near


def noise_table(distribution: torch.Tensor) -> torch.Tensor:
    """The cumulative table (float64) of a noise distribution, for :func:`draw_negatives`."""
    return torch.cumsum(distribution.double(), 0)


def draw_negatives(table: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` word ids drawn with replacement; ``table`` is :func:`noise_table`'s cumulative table.

    Each draw is a binary search of a uniform number in the table; words
    of probability 0 are never drawn.
    """
    u = torch.rand(n, generator=generator, device=table.device, dtype=torch.float64) * table[-1]
    return torch.searchsorted(table, u, right=True).clamp_(max=table.shape[0] - 1)
