"""Worker for the multi-process tests, launched by ``torch.distributed.run`` (see test_distributed.py).

Modes:
- ``ddp-step OUT``: one SGD step of a tiny biLM through DDP, each rank on its
  shard of a fixed id stream; rank 0 saves the weights to OUT.
- ``crash-elmo|hang-elmo CONFIG OUTPUT_DIR TIMEOUT OVERRIDES...``: pretrain-elmo
  where rank 1 raises (crash) or stops answering (hang) in its first dev
  evaluation.
"""
import sys
import time

import torch

from spacy_elmo_w2v.distributed import data_parallel, process_group
from spacy_elmo_w2v.elmo.batching import stream_batches, stream_shard

STEP_SEED, STEP_ROWS, STEP_BPTT, STEP_LR = 0, 4, 6, 0.5


def tiny_bilm(n_words: int):
    from spacy_elmo_w2v.elmo.bilm import build_bilm
    from spacy_elmo_w2v.elmo.spec import BiLMSpec, EncoderSpec, HeadSpec

    spec = BiLMSpec(
        encoder=EncoderSpec(word_width=8, char_cnn=None), n_layers=2, hidden_size=12, projection_size=8, residual=True,
        dropout=0.0, head=HeadSpec(kind="full", cutoffs=[], div_value=2.0, tie_embeddings=False),
    )
    torch.manual_seed(STEP_SEED)
    return build_bilm(spec, [f"w{i}" for i in range(n_words)])


def step_stream():
    import numpy as np

    return np.random.default_rng(0).integers(0, 30, size=203)


def sgd_step(bilm, forward, ids, rows: int) -> None:
    """One step on the first chunk of ``ids`` read in ``rows`` rows."""
    out = forward(next(stream_batches(ids, rows, STEP_BPTT)), None, None)
    out.loss().backward()
    with torch.no_grad():
        for p in bilm.parameters():
            if p.grad is not None:
                p -= STEP_LR * p.grad


def ddp_step(out_path: str) -> None:
    from spacy_elmo_w2v.elmo.objective import StreamObjective

    with process_group("cpu", timeout_s=60) as group:
        bilm = tiny_bilm(30)
        forward = data_parallel(StreamObjective(bilm), torch.device("cpu"), group)
        shard = stream_shard(step_stream(), STEP_ROWS, group.rank, group.world_size)
        sgd_step(bilm, forward, shard, STEP_ROWS // group.world_size)
        if group.is_main:
            torch.save(bilm.state_dict(), out_path)
        group.barrier()


def failing_elmo(mode: str, config: str, output_dir: str, timeout: str, *overrides: str) -> None:
    import spacy_elmo_w2v.elmo.train as train
    from spacy_elmo_w2v.config import parse_overrides
    from spacy_elmo_w2v.distributed import torchrun_env

    if torchrun_env().rank == 1:
        def fail(*args, **kwargs):
            if mode == "hang-elmo":
                time.sleep(3600)
            raise RuntimeError("simulated crash of rank 1")

        train.evaluate_stream = fail
    train.pretrain_elmo(config, output_dir, parse_overrides(list(overrides)), dist_timeout=float(timeout))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "ddp-step":
        ddp_step(*args)
    else:
        failing_elmo(mode, *args)
