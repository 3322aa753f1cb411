"""The skip-gram training loop: epochs of bulk-sampled batches, on CPU or CUDA.

Per epoch, the corpus is subsampled and window radii are drawn in one pass
on the device (:mod:`.sampler`); consecutive stretches of the subsampled
corpus then form batches whose pairs are scored without ever being listed
(:class:`.model.SGNSBatch`). The only Python loop is over batches.
"""
import time
from dataclasses import dataclass, field
from typing import Iterator, List, Optional

import numpy as np
import torch
from tqdm import tqdm

from ..distributed import SINGLE_PROCESS, ProcessGroup
from .adam import FusedAdam
from .averaging import ParameterAveraging
from .model import SGNSBatch, SkipGramModel
from .sampler import EpochSample, context_mask, draw_negatives, keep_probabilities, noise_distribution, sample_epoch


@dataclass
class TrainingStream:
    """The corpus as the trainer sees it, on the device.

    ids: vocabulary ids with the unknown-word token removed (as in word2vec
        and d2l: ``<unk>`` is neither a center nor a context word).
    sentences: sentence index of each id, so windows stop at sentence ends.
    counts: per-word counts of ``ids`` (numpy, vocabulary-sized).
    n_corpus_tokens: tokens of the original corpus, ``<unk>`` included: the
        unit of the reported tokens/s, as gensim counts them.
    """

    ids: torch.Tensor
    sentences: torch.Tensor
    counts: np.ndarray
    n_corpus_tokens: int


def make_stream(
    ids: np.ndarray, sentences: np.ndarray, n_words: int, drop_id: Optional[int], device: torch.device
) -> TrainingStream:
    """Move a corpus to the device, dropping ``drop_id`` (the ``<unk>`` id)."""
    keep = ids != drop_id if drop_id is not None else np.ones(len(ids), dtype=bool)
    kept_ids = ids[keep]
    counts = np.bincount(kept_ids, minlength=n_words).astype(np.int64)
    return TrainingStream(
        ids=torch.as_tensor(kept_ids, dtype=torch.long, device=device),
        sentences=torch.as_tensor(sentences[keep], dtype=torch.long, device=device),
        counts=counts,
        n_corpus_tokens=len(ids),
    )


def shard_stream(stream: TrainingStream, rank: int, world_size: int) -> TrainingStream:
    """The contiguous part of ``stream`` that ``rank`` trains on (:func:`spacy_elmo_w2v.distributed.shard_range`).

    ``counts`` stay those of the whole corpus (they set the subsampling and
    noise distributions, which all ranks share); ``n_corpus_tokens`` becomes
    this rank's share of the corpus.
    """
    from ..distributed import shard_range

    start, stop = shard_range(len(stream.ids), rank, world_size)
    return TrainingStream(
        ids=stream.ids[start:stop],
        sentences=stream.sentences[start:stop],
        counts=stream.counts,
        n_corpus_tokens=round(stream.n_corpus_tokens * (stop - start) / max(len(stream.ids), 1)),
    )


def iter_batches(
    sample: EpochSample,
    window: int,
    batch_size: int,
    noise: torch.Tensor,
    noise_samples: int,
    negatives_per_pair: int,
    generator: torch.Generator,
) -> Iterator[SGNSBatch]:
    """Cut one epoch's centers into consecutive batches of ``batch_size`` centers."""
    padded = sample.padded_words(window)
    n = len(sample)
    mask = context_mask(sample.sentences, sample.radius, 0, n, window)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        yield SGNSBatch(
            centers=sample.words[start:stop],
            window_words=padded[start : stop + 2 * window],
            context_mask=mask[start:stop],
            noise=draw_negatives(noise, noise_samples, generator),
            negatives_per_pair=negatives_per_pair,
        )


@dataclass
class TrainingLog:
    """What a training run did: mean loss per epoch, time and throughput."""

    epoch_losses: List[float] = field(default_factory=list)
    seconds: float = 0.0
    corpus_tokens: int = 0
    pairs: int = 0

    @property
    def tokens_per_second(self) -> float:
        return self.corpus_tokens / self.seconds if self.seconds > 0 else 0.0


def train_skipgram(
    model: SkipGramModel,
    stream: TrainingStream,
    *,
    window: int,
    negative: int,
    subsample: float,
    max_epochs: int,
    batch_size: int,
    noise_samples: int,
    learn_rate: float,
    final_learn_rate: float,
    seed: int,
    progress: bool = True,
    group: ProcessGroup = SINGLE_PROCESS,
    sync_every: int = 1,
) -> TrainingLog:
    """Train ``model`` in place on ``stream`` and return a :class:`TrainingLog`.

    window: the largest window radius; each center draws its own from 1..window.
    negative: K, negatives per (center, context) pair.
    subsample: the threshold t of frequent-word subsampling (0 disables it).
    batch_size: centers per batch; noise_samples: noise words shared by a batch.
    learn_rate, final_learn_rate: Adam's learning rate, decayed linearly from
        the first to the second over the run.
    seed: seeds the sampling generator; the same seed on the same device
        repeats the run exactly.
    group, sync_every: in a multi-process run ``stream`` is this rank's
        shard (:func:`shard_stream`) and the ranks average their tables every
        ``sync_every`` steps and after each epoch (:class:`.averaging.ParameterAveraging`);
        ``seed`` should then differ per rank. The log's token count and
        losses are then those of all ranks together.
    """
    device = stream.ids.device
    generator = torch.Generator(device=device).manual_seed(seed)
    keep_prob = keep_probabilities(stream.counts, subsample).to(device)
    noise = noise_distribution(stream.counts).to(device)
    optimizer = FusedAdam(model.parameters(), learn_rate)
    n_expected = float(keep_prob[stream.ids].sum()) if len(stream.ids) else 0.0
    total_steps = max(1, max_epochs * int(np.ceil(n_expected / batch_size)))
    averaging = ParameterAveraging(model.parameters(), sync_every, group)
    all_corpus_tokens = int(group.sum([float(stream.n_corpus_tokens)])[0])
    log = TrainingLog()
    bar = tqdm(
        total=max_epochs * all_corpus_tokens,
        unit="tok",
        unit_scale=True,
        disable=not (progress and group.is_main),
        desc="skip-gram",
        dynamic_ncols=True,
    )
    step = 0
    start_time = time.perf_counter()
    for epoch in range(max_epochs):
        sample = sample_epoch(stream.ids, stream.sentences, keep_prob, window, generator)
        epoch_loss = torch.zeros((), device=device)
        n_batches = 0
        averaging.start_epoch(-(-len(sample) // batch_size))
        for batch in iter_batches(sample, window, batch_size, noise, noise_samples, negative, generator):
            frac = min(step / total_steps, 1.0)
            optimizer.lr = learn_rate + (final_learn_rate - learn_rate) * frac
            loss = model(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.detach()
            n_batches += 1
            step += 1
            averaging.after_step(n_batches)
            bar.update(all_corpus_tokens * batch.centers.shape[0] / max(len(sample), 1))
            if progress and n_batches % 20 == 0:
                bar.set_postfix(epoch=epoch + 1, loss=f"{float(epoch_loss) / n_batches:.3f}")
        averaging.end_epoch()
        loss_sum, batches = group.sum([float(epoch_loss), float(n_batches)])
        log.epoch_losses.append(loss_sum / max(batches, 1))
        bar.set_postfix(epoch=epoch + 1, loss=f"{log.epoch_losses[-1]:.3f}")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    log.seconds = time.perf_counter() - start_time
    log.corpus_tokens = max_epochs * all_corpus_tokens
    bar.close()
    return log
