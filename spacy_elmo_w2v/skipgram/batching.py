"""Batches of skip-gram training: a stretch of the corpus on the device, cut into batches of centers.

Used by the training loop (:mod:`.train`) and by the component's ``update``
(:mod:`.component`): a stretch of ids becomes a :class:`TrainingStream`
(``<unk>`` dropped), a sample of it (:func:`.sampler.sample_epoch`) is cut
into :class:`.model.SGNSBatch` es by :func:`iter_batches`.
"""
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
import torch

from .model import SGNSBatch
from .sampler import EpochSample, context_mask, draw_negatives


@dataclass
class TrainingStream:
    """A stretch of the corpus as the trainer sees it, on the device.

    ids: vocabulary ids with the unknown-word token removed (as in word2vec
        and d2l: ``<unk>`` is neither a center nor a context word).
    sentences: sentence number of each id, so windows stop at sentence ends.
    n_corpus_tokens: tokens of the original stretch, ``<unk>`` included: the
        unit of the reported tokens/s, as gensim counts them.
    """

    ids: torch.Tensor
    sentences: torch.Tensor
    n_corpus_tokens: int


def make_stream(ids: np.ndarray, sentences: np.ndarray, drop_id: Optional[int], device: torch.device) -> TrainingStream:
    """Move a stretch of the corpus to the device, dropping ``drop_id`` (the ``<unk>`` id)."""
    keep = ids != drop_id if drop_id is not None else np.ones(len(ids), dtype=bool)
    return TrainingStream(
        ids=torch.as_tensor(ids[keep], dtype=torch.long, device=device),
        sentences=torch.as_tensor(sentences[keep], dtype=torch.long, device=device),
        n_corpus_tokens=len(ids),
    )


def iter_batches(
    sample: EpochSample,
    window: int,
    batch_size: int,
    noise: torch.Tensor,
    noise_samples: int,
    noise_groups: int,
    negatives_per_pair: int,
    generator: torch.Generator,
) -> Iterator[SGNSBatch]:
    """Cut a sample's centers into consecutive batches of ``batch_size`` centers.

    noise: the cumulative noise table (:func:`.sampler.noise_table`).
    noise_samples, noise_groups: each batch draws ``noise_groups`` sets of
        ``noise_samples`` noise words, one per group of its centers
        (:class:`.model.SGNSBatch`).
    """
    padded = sample.padded_words(window)
    n = len(sample)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        yield SGNSBatch(
            centers=sample.words[start:stop],
            window_words=padded[start : stop + 2 * window],
            context_mask=context_mask(sample.sentences, sample.radius, start, stop, window),
            noise=draw_negatives(noise, noise_groups * noise_samples, generator).view(noise_groups, noise_samples),
            negatives_per_pair=negatives_per_pair,
            capacity=batch_size,
        )
