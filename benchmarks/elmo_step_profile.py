"""Where an ELMo training step's time goes, with 1 process or N data-parallel ones (torchrun, gloo).

    python benchmarks/elmo_step_profile.py --rows 64 [--steps 40]                        # 1 process
    torchrun --standalone --nproc-per-node 2 benchmarks/elmo_step_profile.py --rows 32     # 2 processes
        [--no-sync] [--ddp ours|search-unused] [--hook none|fp16] [--adam fused|unfused] [--config CFG]

The CPU preset biLM (configs/elmo.cfg, or the biLM of ``--config``) over the first ``--sentences`` lines
of PTB train, built the way ``pretrain-elmo`` builds it; each step is the
training loop's step, timed phase by phase (median milliseconds over
``--steps`` steps after ``--warmup``): reading the batch, forward, backward
(with DDP this includes waiting for the gradient all-reduce), clipping,
Adam, the whole step, and ``cpu``: the CPU time the process spent on the
step (all its threads, gloo's included), which, unlike the wall times, does
not grow when other work on the machine takes the cores away. ``--no-sync`` runs DDP's ``no_sync()`` (no all-reduce: what the step
costs without communication, with the other process competing for the
cores); ``--ddp search-unused`` runs DDP as it ran before, searching the
graph for unused parameters after every forward; ``--hook fp16`` registers
torch's ``fp16_compress_hook`` (the gradients travel in 16 bits; its bf16
twin needs NCCL); ``--adam unfused`` steps torch's per-parameter Adam instead
of the fused one ``pretrain-elmo`` uses (:func:`spacy_elmo_w2v.elmo.optim.make_adam`). ``tokens_per_cpu_s``: training tokens per second of one
process's CPU time, what N processes on N free cores would each reach. Run with
``OMP_NUM_THREADS=1``; rank 0 prints one JSON line.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def build(sentences: int, work: Path, config: Path):
    """The biLM of ``config`` over PTB's first ``sentences`` lines, and that text's LM id stream."""
    from spacy_elmo_w2v.config import load_config
    from spacy_elmo_w2v.corpus import iter_corpus_blocks
    from spacy_elmo_w2v.counting import count_corpus
    from spacy_elmo_w2v.elmo.hooks import FACTORY
    from spacy_elmo_w2v.elmo.lm_data import head_blocks, write_lm_id_file
    from spacy_elmo_w2v.pipeline import find_pipe, nlp_from_config

    nlp = nlp_from_config(load_config(config, {}))
    _, pipe = find_pipe(nlp, FACTORY)
    train = DATA / "ptb" / "ptb.train.txt"

    def blocks():
        return head_blocks(iter_corpus_blocks(train, "en"), sentences)

    counted = count_corpus(blocks(), pipe.normalizer, None, source=str(train))
    vocab = pipe.vocabulary_from_counts(counted.counts, max_size=None, source=str(train))
    pipe.initialize_from_vocabulary(vocab)
    ids = write_lm_id_file(blocks(), vocab, pipe.normalizer, work / "ids")
    return pipe.torch_model, ids


def wrap(bilm, group, ddp: str):
    """The objective the loop steps: as ``pretrain-elmo`` wraps it (``ours``), or under DDP with
    ``find_unused_parameters=True`` and no zero-gradient guarantee (``search-unused``, the setting before)."""
    import torch
    from torch.nn.parallel import DistributedDataParallel

    from spacy_elmo_w2v.distributed import data_parallel
    from spacy_elmo_w2v.elmo.objective import StreamObjective

    if ddp == "search-unused" and group.is_distributed:
        return DistributedDataParallel(StreamObjective(bilm), find_unused_parameters=True)
    return data_parallel(StreamObjective(bilm, every_parameter=group.is_distributed), torch.device("cpu"), group)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=64, help="rows per process")
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=4000)
    parser.add_argument("--no-sync", action="store_true")
    parser.add_argument("--ddp", choices=["ours", "search-unused"], default="ours")
    parser.add_argument("--hook", choices=["none", "fp16"], default="none")
    parser.add_argument("--adam", choices=["fused", "unfused"], default="fused")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "elmo.cfg", help="a pretrain-elmo config")
    args = parser.parse_args()

    import numpy as np
    import torch

    from spacy_elmo_w2v.distributed import process_group
    from spacy_elmo_w2v.elmo.batching import n_stream_batches, stream_batches, stream_shard
    from spacy_elmo_w2v.elmo.objective import _detach
    from spacy_elmo_w2v.elmo.optim import make_adam

    torch.manual_seed(0)
    with process_group("cpu") as group, tempfile.TemporaryDirectory() as tmp:
        bilm, ids = build(args.sentences, Path(tmp), args.config) if group.is_main else (None, None)
        bilm, ids = group.from_main(lambda: (bilm, np.asarray(ids)))  # the same model and stream on every rank
        forward = wrap(bilm, group, args.ddp)
        if args.hook != "none" and group.is_distributed:
            from torch.distributed.algorithms.ddp_comm_hooks import default_hooks

            forward.register_comm_hook(None, getattr(default_hooks, f"{args.hook}_compress_hook"))
        shard = stream_shard(ids, args.rows * group.world_size, group.rank, group.world_size)
        optimizer = make_adam(bilm.parameters(), 0.002) if args.adam == "fused" else torch.optim.Adam(bilm.parameters(), lr=0.002)
        phases = {k: [] for k in ("batch", "forward", "backward", "clip", "adam", "step", "cpu")}
        n_batches = n_stream_batches(len(shard), args.rows, args.bptt)
        if n_batches < args.warmup + args.steps:
            raise SystemExit(f"{args.sentences} sentences make {n_batches} batches of {args.rows} rows per process, "
                             f"fewer than --warmup + --steps ({args.warmup + args.steps}): raise --sentences")
        batches = stream_batches(shard, args.rows, args.bptt)
        fwd_state = bwd_state = None
        bilm.train()
        for i in range(args.warmup + args.steps):
            c0, t0 = time.process_time(), time.perf_counter()
            batch = next(batches)
            t1 = time.perf_counter()
            with forward.no_sync() if args.no_sync and group.is_distributed else nullcontext():
                out = forward(batch, fwd_state, bwd_state)
                t2 = time.perf_counter()
                optimizer.zero_grad(set_to_none=True)
                out.loss().backward()
            t3 = time.perf_counter()
            torch.nn.utils.clip_grad_norm_(bilm.parameters(), 1.0)
            t4 = time.perf_counter()
            optimizer.step()
            t5, c5 = time.perf_counter(), time.process_time()
            fwd_state, bwd_state = _detach(out.fwd_state), _detach(out.bwd_state)
            if i >= args.warmup:
                for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0, c5 - c0)):
                    phases[k].append(1e3 * v)
        row = {k: round(statistics.median(v), 1) for k, v in phases.items()}
        row.update(processes=group.world_size, rows=args.rows, no_sync=args.no_sync, ddp=args.ddp, hook=args.hook, fused_adam=bool(optimizer.defaults["fused"]),
                   tokens_per_s=round(group.world_size * args.rows * args.bptt / (statistics.median(phases["step"]) / 1e3)),
                   tokens_per_cpu_s=round(args.rows * args.bptt / (statistics.median(phases["cpu"]) / 1e3)),
                   params=sum(p.numel() for p in bilm.parameters()), load=os.getloadavg()[0])
        group.barrier()
        if group.is_main:
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
