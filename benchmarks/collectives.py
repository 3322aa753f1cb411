"""What one skip-gram exchange's collective costs on this machine, by dtype and collective.

    OMP_NUM_THREADS=1 torchrun --standalone --nproc-per-node 2 benchmarks/collectives.py [--rows 6719] [--width 100] [--rounds 30]

The payload is the two tables' moves of a vocabulary of ``--rows`` words
(PTB: 6,719 x 100 x 2 floats, 5.4 MB in fp32), as
``spacy_elmo_w2v/skipgram/sync.py`` sums them when most rows moved. Timed,
median over ``--rounds`` rounds, each after a barrier:

- ``all_reduce_fp32``: what the exchange does;
- ``all_reduce_bf16``: the same in bfloat16, casts to and from fp32 included;
- ``all_gather_bf16``: every rank's moves in bfloat16, summed locally in fp32.

Rank 0 prints one JSON line (milliseconds).
"""
import argparse
import json
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=6719)
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo")
    n = dist.get_world_size()
    moves = torch.randn(2 * args.rows * args.width) * 1e-3

    def all_reduce_fp32() -> torch.Tensor:
        out = moves.clone()
        dist.all_reduce(out)
        return out

    def all_reduce_bf16() -> torch.Tensor:
        out = moves.to(torch.bfloat16)
        dist.all_reduce(out)
        return out.float()

    def all_gather_bf16() -> torch.Tensor:
        mine = moves.to(torch.bfloat16)
        parts = [torch.empty_like(mine) for _ in range(n)]
        dist.all_gather(parts, mine)
        total = parts[0].float()
        for part in parts[1:]:
            total += part.float()
        return total

    times = {f.__name__: [] for f in (all_reduce_fp32, all_reduce_bf16, all_gather_bf16)}
    for _ in range(args.rounds):
        for f in (all_reduce_fp32, all_reduce_bf16, all_gather_bf16):
            dist.barrier()
            start = time.perf_counter()
            f()
            times[f.__name__].append(time.perf_counter() - start)
    if dist.get_rank() == 0:
        row = {k: round(1e3 * statistics.median(v), 2) for k, v in times.items()}
        row.update(processes=n, megabytes_fp32=round(moves.numel() * 4 / 1e6, 2), load=os.getloadavg()[0])
        print(json.dumps(row))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
