"""Worker for the multi-process tests, launched by ``torch.distributed.run`` (see test_distributed.py).

Modes:
- ``ddp-step OUT HEAD STEPS``: ``STEPS`` SGD steps of a tiny biLM (``HEAD``:
  ``full`` or ``adaptive`` softmax) through DDP, each rank on its shard of a
  fixed id stream (with the adaptive head, rank 1's shard has no word of
  the tail cluster); rank 0 saves the weights to OUT.
- ``ddp-buffers OUT``: 2 SGD steps through DDP of a tiny biLM with a char
  CNN, rank 1 having changed its char table after DDP was built; rank r
  saves its char table to ``OUT.r``.
- ``exchange OUT DENSE_ABOVE``: the skip-gram exchange
  (:class:`SummedUpdates`, every 2 steps, ``DENSE_ABOVE`` ``0`` for whole
  tables, ``1`` for moved rows) over 9 steps in which each rank
  moves random rows of two tables by random amounts (:func:`exchange_moves`);
  rank r saves its tables to ``OUT.r``.
- ``crash-elmo|hang-elmo CONFIG OUTPUT_DIR TIMEOUT OVERRIDES...``: pretrain-elmo
  where rank 1 raises (crash) or stops answering (hang) in its first dev
  evaluation.
"""
import sys
import time

import torch

from spacy_elmo_w2v.distributed import data_parallel, process_group
from spacy_elmo_w2v.elmo.batching import stream_shard

STEP_SEED, STEP_ROWS, STEP_BPTT, STEP_LR = 0, 4, 6, 0.5
STEP_WORDS, STEP_CUTOFF = 30, 20


def tiny_bilm(head: str = "full", chars: bool = False):
    """A biLM of a few hundred parameters over ``STEP_WORDS`` words, the same on every call
    (``chars``: with a char CNN, whose table of characters is the model's one buffer)."""
    from spacy_elmo_w2v.elmo.bilm import build_bilm
    from spacy_elmo_w2v.elmo.spec import BiLMSpec, CharCNNSpec, EncoderSpec, HeadSpec

    char_cnn = CharCNNSpec(char_width=4, filters=[[1, 4], [2, 4]], n_highway=1, max_chars=6) if chars else None
    spec = BiLMSpec(
        encoder=EncoderSpec(word_width=8, char_cnn=char_cnn), n_layers=2, hidden_size=12, projection_size=8, residual=True,
        dropout=0.0, head=HeadSpec(kind=head, cutoffs=[STEP_CUTOFF], div_value=2.0, tie_embeddings=False),
    )
    torch.manual_seed(STEP_SEED)
    return build_bilm(spec, [f"w{i}" for i in range(STEP_WORDS)])


def step_stream(head: str = "full"):
    """203 word ids; for the adaptive head the second half (rank 1's rows) stays below the tail cutoff."""
    import numpy as np

    ids = np.random.default_rng(0).integers(0, STEP_WORDS, size=203)
    if head == "adaptive":
        ids[101:] %= STEP_CUTOFF
    return ids


def sgd_steps(bilm, forward, ids, rows: int, steps: int) -> None:
    """``steps`` plain SGD steps on the first chunks of ``ids`` read in ``rows`` rows, carrying the LSTM states."""
    from spacy_elmo_w2v.elmo.objective import stream_pass

    for _, out in zip(range(steps), stream_pass(bilm, ids, rows, STEP_BPTT, torch.device("cpu"), forward=forward)):
        bilm.zero_grad(set_to_none=True)
        out.loss().backward()
        with torch.no_grad():
            for p in bilm.parameters():
                if p.grad is not None:
                    p -= STEP_LR * p.grad


def ddp_sgd_steps(bilm, group, head: str, steps: int, after_wrap=None) -> None:
    """``steps`` SGD steps of ``bilm`` through DDP, each rank on its shard of ``step_stream(head)``;
    ``after_wrap(bilm, group)``, when given, runs once DDP is built, before the first step.

    The DDP wrapper lives only in here: it is gone before the process group is
    destroyed, as in pretrain-elmo (one still holding gloo work at interpreter
    exit can abort the process).
    """
    from spacy_elmo_w2v.elmo.objective import StreamObjective

    forward = data_parallel(StreamObjective(bilm, every_parameter=True), torch.device("cpu"), group)
    if after_wrap is not None:
        after_wrap(bilm, group)
    shard = stream_shard(step_stream(head), STEP_ROWS, group.rank, group.world_size)
    sgd_steps(bilm, forward, shard, STEP_ROWS // group.world_size, steps)


def ddp_step(out_path: str, head: str, steps: str) -> None:
    with process_group("cpu", timeout_s=60) as group:
        bilm = tiny_bilm(head)
        ddp_sgd_steps(bilm, group, head, int(steps))
        if group.is_main:
            torch.save(bilm.state_dict(), out_path)
        group.barrier()


def ddp_buffers(out_path: str) -> None:
    def change_rank_1_table(bilm, group) -> None:  # after DDP copied rank 0's buffers
        if group.rank == 1:
            bilm.encoder.word_chars[0, 0] += 1

    with process_group("cpu", timeout_s=60) as group:
        bilm = tiny_bilm(chars=True)
        ddp_sgd_steps(bilm, group, "full", 2, after_wrap=change_rank_1_table)
        torch.save(bilm.encoder.word_chars, f"{out_path}.{group.rank}")
        group.barrier()


EXCHANGE_STEPS, EXCHANGE_SHAPES = 9, ((40, 3), (25, 2))


def exchange_moves(rank: int):
    """Rank ``rank``'s moves: per step, per table, (rows, amounts); rows may repeat."""
    g = torch.Generator().manual_seed(100 + rank)
    steps = []
    for _ in range(EXCHANGE_STEPS):
        steps.append([
            (rows, torch.randn(len(rows), width, generator=g))
            for n, width in EXCHANGE_SHAPES
            for rows in [torch.randint(0, n, (int(torch.randint(1, n // 3, (1,), generator=g)),), generator=g)]
        ])
    return steps


def exchange(out_path: str, dense_above: str) -> None:
    from spacy_elmo_w2v.skipgram.sync import SummedUpdates

    with process_group("cpu", timeout_s=60) as group:
        tables = [torch.zeros(shape) for shape in EXCHANGE_SHAPES]
        sync = SummedUpdates(tables, every=2, group=group, dense_above=float(dense_above))
        sync.start_epoch(EXCHANGE_STEPS)
        for k, moves in enumerate(exchange_moves(group.rank), 1):
            for table, (rows, amounts) in zip(tables, moves):
                table.index_add_(0, rows, amounts)
            sync.after_step(k, [rows for rows, _ in moves])
        sync.end_epoch()
        torch.save(tables, f"{out_path}.{group.rank}")
        group.barrier()


def failing_elmo(mode: str, config: str, output_dir: str, timeout: str, *overrides: str) -> None:
    import spacy_elmo_w2v.elmo.pretrain as pretrain
    from spacy_elmo_w2v.config import parse_overrides
    from spacy_elmo_w2v.distributed import torchrun_env

    if torchrun_env().rank == 1:
        def fail(*args, **kwargs):
            if mode == "hang-elmo":
                time.sleep(3600)
            raise RuntimeError("simulated crash of rank 1")

        pretrain.evaluate_stream = fail
    pretrain.pretrain_elmo(config, output_dir, parse_overrides(list(overrides)), dist_timeout=float(timeout))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "ddp-step":
        ddp_step(*args)
    elif mode == "ddp-buffers":
        ddp_buffers(*args)
    elif mode == "exchange":
        exchange(*args)
    else:
        failing_elmo(mode, *args)
