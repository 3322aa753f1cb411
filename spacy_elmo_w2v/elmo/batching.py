"""Language-model batches: a corpus id stream cut into ``[B, T]`` chunks, or padded sequences.

Both directions are trained as left-to-right readers: the backward LM reads
the time-reversed text. A batch holds, for each direction, the ids it reads
and the ids it must predict (``-1`` where nothing is to be predicted).
"""
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..idfile import IdArray

IGNORE = -1


@dataclass
class LMBatch:
    """Inputs and targets of both directions, each ``int64 [B, T]``, in reading order."""

    fwd_inputs: torch.Tensor
    fwd_targets: torch.Tensor
    bwd_inputs: torch.Tensor
    bwd_targets: torch.Tensor

    @property
    def n_tokens(self) -> int:
        """Number of predicted tokens per direction (the forward count)."""
        return int((self.fwd_targets != IGNORE).sum())

    def to(self, device: torch.device) -> "LMBatch":
        """The same batch with its four tensors on ``device``."""
        return LMBatch(*(t.to(device, non_blocking=True) for t in (self.fwd_inputs, self.fwd_targets, self.bwd_inputs, self.bwd_targets)))

    def ignoring(self, word_id: int) -> "LMBatch":
        """The same batch with every target ``word_id`` left out of the loss (e.g. ``<unk>``)."""
        def drop(targets: torch.Tensor) -> torch.Tensor:
            return targets.masked_fill(targets == word_id, IGNORE)

        return LMBatch(self.fwd_inputs, drop(self.fwd_targets), self.bwd_inputs, drop(self.bwd_targets))


def stream_rows(ids: np.ndarray, batch_size: int) -> torch.Tensor:
    """Cut an id stream into ``batch_size`` equal rows ``[B, N]`` (the tail that does not fit is dropped).

    Streams shorter than ``batch_size + 1`` tokens give fewer rows (at least one).
    """
    ids = torch.as_tensor(np.ascontiguousarray(ids), dtype=torch.int64)
    rows, n = _row_shape(len(ids), batch_size)
    return ids[: rows * n].reshape(rows, n)


def _row_shape(n_ids: int, batch_size: int) -> Tuple[int, int]:
    """``(rows, row_length)`` of the cut :func:`stream_rows` makes of ``n_ids`` ids."""
    rows = max(1, min(batch_size, (n_ids - 1) // 2))
    return rows, n_ids // rows


def _read_columns(ids: IdArray, rows: int, row_length: int, start: int, stop: int, reverse: bool) -> torch.Tensor:
    """Columns ``[start, stop)`` of the ``[rows, row_length]`` cut of ``ids`` (or of ``ids`` reversed).

    Reads ``rows`` slices of ``stop - start`` ids each, so ``ids`` may be an
    id file on disk (:class:`..idfile.DiskArray`): only the chunk is ever in memory.
    """
    last = len(ids) - 1
    out = np.empty((rows, stop - start), dtype=np.int64)
    for r in range(rows):
        a, b = r * row_length + start, r * row_length + stop
        out[r] = ids[last - b + 1 : last - a + 1][::-1] if reverse else ids[a:b]
    return torch.from_numpy(out)


def stream_batches(ids: IdArray, batch_size: int, bptt: int, start_batch: int = 0) -> Iterator[LMBatch]:
    """Truncated-BPTT batches over one id stream, in order (so hidden state can be carried).

    The forward rows are the stream; the backward rows are the reversed
    stream, cut the same way. Chunk ``k`` covers positions ``k*T .. k*T+T``
    of every row; the target of position ``t`` is the id at ``t + 1``.
    ``ids`` is any 1-d integer array that slices (an id file's
    :class:`..idfile.DiskArray` too): each batch reads only its own
    ``B x (T + 1)`` ids.
    start_batch: skip the first batches (a run resumed mid-epoch).
    """
    rows, n = _row_shape(len(ids), batch_size)
    for begin in range(start_batch * bptt, n - 1, bptt):
        end = min(begin + bptt, n - 1)
        fwd = _read_columns(ids, rows, n, begin, end + 1, reverse=False)
        bwd = _read_columns(ids, rows, n, begin, end + 1, reverse=True)
        yield LMBatch(fwd[:, :-1], fwd[:, 1:], bwd[:, :-1], bwd[:, 1:])


def n_stream_batches(n_ids: int, batch_size: int, bptt: int) -> int:
    """How many batches :func:`stream_batches` yields for a stream of ``n_ids`` ids."""
    _, n = _row_shape(n_ids, batch_size)
    return max(0, -(-(n - 1) // bptt))


def n_stream_targets(n_ids: int, batch_size: int, bptt: int, batches: Optional[int] = None) -> int:
    """Targets per direction that the first ``batches`` (default: all) batches of
    :func:`stream_batches` predict: the sum of their :attr:`.bilm.LMOutput.n_fwd`."""
    rows, n = _row_shape(n_ids, batch_size)
    columns = max(0, n - 1)
    return rows * (columns if batches is None else min(columns, batches * bptt))


def stream_shard(ids: IdArray, batch_size: int, rank: int, world_size: int) -> IdArray:
    """The part of an id stream that ``rank`` of ``world_size`` trains on, in ``batch_size // world_size`` rows.

    The stream is cut as :func:`stream_rows` cuts it into ``batch_size`` rows,
    and each rank takes a contiguous block of whole rows
    (:func:`spacy_elmo_w2v.distributed.shard_range` over the rows), so the ranks' chunks
    together are exactly the one-process batch and the run does what one
    process would do with the same ``batch_size``. The tail that fills no
    whole row is dropped (as :func:`stream_rows` drops it).
    """
    from ..distributed import shard_range

    rows, row_length = _row_shape(len(ids), batch_size)
    first_row, stop_row = shard_range(rows, rank, world_size)
    return ids[first_row * row_length : stop_row * row_length]


def pad(sequences: Sequence[np.ndarray], value: int) -> torch.Tensor:
    """Right-pad ``int64`` sequences to ``[len(sequences), max_len]``."""
    width = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), width), value, dtype=np.int64)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return torch.from_numpy(out)


def sequence_batch(sequences: Sequence[np.ndarray], boundary_id: int) -> LMBatch:
    """An LM batch of independent sentences, each wrapped in ``boundary_id`` (``<eos>``) on both sides.

    The forward LM reads ``<eos> w1 .. wn`` and predicts ``w1 .. wn <eos>``;
    the backward LM reads ``<eos> wn .. w1`` and predicts ``wn .. w1 <eos>``.
    """
    b = np.array([boundary_id], dtype=np.int64)
    fwd: List[np.ndarray] = [np.concatenate([b, s, b]) for s in sequences]
    bwd: List[np.ndarray] = [f[::-1] for f in fwd]
    return LMBatch(
        pad([f[:-1] for f in fwd], boundary_id),
        pad([f[1:] for f in fwd], IGNORE),
        pad([r[:-1] for r in bwd], boundary_id),
        pad([r[1:] for r in bwd], IGNORE),
    )
