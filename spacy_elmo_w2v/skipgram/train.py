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
from typing import Callable, List, Optional, Union

import numpy as np
import torch

from ..distributed import SINGLE_PROCESS, ProcessGroup, shard_range
from ..idfile import IdFile
from ..progress import METRICS_INTERVAL_S, Progress
from ..threads import ThreadFollower
from .batching import iter_batches, make_stream
from .model import SkipGramModel, sgns_loss_and_row_grads
from .row_adagrad import RowAdagrad
from .sync import SummedUpdates
from .sampler import keep_probabilities, noise_distribution, noise_table, sample_epoch

# Tokens of the id file on the device at a time (PTB, 0.93M tokens, is one chunk).
CHUNK_TOKENS = 1 << 20


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
    progress: bool,
    metrics_path: Optional[Union[str, Path]] = None,
    log_interval: float = METRICS_INTERVAL_S,
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
