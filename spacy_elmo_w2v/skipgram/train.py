"""The skip-gram training loop: epochs over an id file, chunk by chunk, on CPU or CUDA.

Each epoch reads the corpus in chunks of ``chunk_tokens`` tokens
(:meth:`..idfile.IdFile.chunks`), so memory is one chunk whatever the corpus
length. A chunk is moved to the device, subsampled, and given window radii
in one pass (:mod:`.sampler`); consecutive stretches of it form batches whose
pairs are scored without ever being listed (:class:`.model.SGNSBatch`).
Windows stop at sentence ends and at chunk ends. Gradients exist only at the
rows a batch touches and row-wise Adagrad (:class:`.row_adagrad.RowAdagrad`)
updates only those, so a step costs the same with ten thousand or ten
million words. The only Python loops are over chunks and batches.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Union

import numpy as np
import torch

from ..distributed import SINGLE_PROCESS, ProcessGroup, shard_range
from ..idfile import IdFile
from ..progress import Progress
from ..threads import ThreadFollower
from .model import SGNSBatch, SkipGramModel, sgns_loss_and_row_grads
from .row_adagrad import RowAdagrad
from .sync import SummedUpdates
from .sampler import (
    EpochSample,
    context_mask,
    draw_negatives,
    keep_probabilities,
    noise_distribution,
    noise_table,
    sample_epoch,
)

# Tokens of the id file on the device at a time (PTB, 0.93M tokens, is one chunk).
CHUNK_TOKENS = 1 << 20


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
        )


@dataclass
class TrainingLog:
    """What a training run did: mean loss per epoch, time and throughput."""

    epoch_losses: List[float] = field(default_factory=list)
    seconds: float = 0.0
    corpus_tokens: int = 0

    @property
    def tokens_per_second(self) -> float:
        return self.corpus_tokens / self.seconds if self.seconds > 0 else 0.0


def train_skipgram(
    model: SkipGramModel,
    corpus: IdFile,
    counts: np.ndarray,
    *,
    drop_id: Optional[int],
    window: int,
    negative: int,
    subsample: float,
    max_epochs: int,
    batch_size: int,
    noise_samples: int,
    noise_groups: int,
    learn_rate: float,
    final_learn_rate: float,
    seed: int,
    chunk_tokens: int = CHUNK_TOKENS,
    progress: bool = True,
    metrics_path: Optional[Union[str, Path]] = None,
    log_interval: float = 10.0,
    group: ProcessGroup = SINGLE_PROCESS,
    sync_every: int,
    clock: Callable[[], float] = time.perf_counter,
) -> TrainingLog:
    """Train ``model`` in place on the ids of ``corpus`` and return a :class:`TrainingLog`.

    counts: ``int64`` corpus count of every vocabulary id (subsampling and
        the noise distribution use them); ``drop_id`` (``<unk>``) is neither
        a center, a context nor a noise word.
    window: the largest window radius; each center draws its own from 1..window.
    negative: K, negatives per (center, context) pair.
    subsample: the threshold t of frequent-word subsampling (0 disables it).
    batch_size: centers per batch, cut into ``noise_groups`` groups that
        each share ``noise_samples`` noise words.
    learn_rate, final_learn_rate: the optimizer's step size
        (:class:`.row_adagrad.RowAdagrad`), decayed linearly from the first
        to the second over the run.
    seed: seeds the sampling generator; the same seed on the same device
        repeats the run exactly.
    chunk_tokens: tokens read from ``corpus`` at a time.
    progress: show a bar; metrics_path: append a JSON metrics line there
        every ``log_interval`` seconds (see :mod:`..progress`). On the CPU
        the thread count follows the free cores
        (:class:`..threads.ThreadFollower`) when the command line chose it.
    group, sync_every: in a multi-process run each rank trains on its own
        contiguous token range of ``corpus`` (:func:`..distributed.shard_range`)
        and the ranks add up their moves every ``sync_every`` steps and
        after each chunk (:class:`.sync.SummedUpdates`); ``seed``
        should then differ per rank. The log's token count and losses are
        those of all ranks together.
    clock: seconds for the log's training time (a seam for tests).
    """
    device = model.input.weight.device
    generator = torch.Generator(device=device).manual_seed(seed)
    counts = np.array(counts, dtype=np.int64)
    if drop_id is not None:
        counts[drop_id] = 0
    keep_prob = keep_probabilities(counts, subsample)
    noise = noise_table(noise_distribution(counts)).to(device)
    n_expected = float((torch.as_tensor(counts, dtype=torch.float64) * keep_prob.double()).sum())
    keep_prob = keep_prob.to(device)
    total_steps = max(1, max_epochs * int(np.ceil(n_expected / batch_size)))
    w_in, w_out = model.input.weight, model.output.weight
    optimizer = RowAdagrad([w_in.data, w_out.data], learn_rate)
    exchange = SummedUpdates([w_in.data, w_out.data], sync_every, group)
    first, last = shard_range(len(corpus), group.rank, group.world_size)
    world = group.world_size
    log = TrainingLog()
    follow_free_cores = ThreadFollower(cpu=device.type == "cpu")
    step = 0
    start_time = clock()
    with Progress(
        max_epochs * (last - first) * world, desc="skip-gram", show=progress and group.is_main,
        metrics_path=metrics_path, interval=log_interval,
    ) as bar:
        for epoch in range(max_epochs):
            epoch_loss = torch.zeros((), device=device)
            n_batches = 0
            for chunk in corpus.chunks(chunk_tokens, first, last):
                stream = make_stream(chunk.ids, chunk.sentences, drop_id, device)
                sample = sample_epoch(stream.ids, stream.sentences, keep_prob, window, generator)
                tokens_per_center = world * len(chunk) / max(len(sample), 1)
                exchange.start_epoch(-(-len(sample) // batch_size))
                batches = iter_batches(
                    sample, window, batch_size, noise, noise_samples, noise_groups, negative, generator
                )
                for k, batch in enumerate(batches, 1):
                    optimizer.lr = learn_rate + (final_learn_rate - learn_rate) * min(step / total_steps, 1.0)
                    loss, grads = sgns_loss_and_row_grads(w_in.data, w_out.data, batch)
                    optimizer.step([(grads.input_rows, grads.input_grads), (grads.output_rows, grads.output_grads)])
                    exchange.after_step(k, [grads.input_rows, grads.output_rows])
                    epoch_loss += loss
                    n_batches += 1
                    step += 1
                    follow_free_cores()
                    bar.update(
                        tokens_per_center * batch.centers.shape[0],
                        epoch=epoch + 1, loss=epoch_loss / n_batches, lr=optimizer.lr, threads=torch.get_num_threads(),
                    )
                if len(sample) == 0:
                    bar.update(world * len(chunk))
                exchange.end_epoch()
            loss_sum, batches = group.sum([float(epoch_loss), float(n_batches)])
            log.epoch_losses.append(loss_sum / max(batches, 1))
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        log.seconds = clock() - start_time
        log.corpus_tokens = max_epochs * (last - first) * world
        bar.log(epoch=max_epochs, loss=log.epoch_losses[-1], lr=optimizer.lr)
    return log
