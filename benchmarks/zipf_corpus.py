"""Write a synthetic Zipf corpus: words ``w0 .. w{types-1}``, fixed-length lines.

    python benchmarks/zipf_corpus.py OUT.txt --tokens 20000000 --types 1000000 [--exponent 1.0] [--seed 0]

Word ``w{r}`` has probability proportional to ``1 / (r + 1) ** exponent``
(drawn by binary search in the cumulative table), 20 tokens per line.
Memory: one block of lines at a time.
"""
import argparse
from pathlib import Path

import numpy as np


def write_zipf_corpus(
    path: Path, tokens: int, types: int, exponent: float = 1.0, seed: int = 0, per_line: int = 20
) -> None:
    """Write ``tokens`` Zipf-distributed tokens over ``types`` word types to ``path``."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(1.0 / np.arange(1, types + 1, dtype=np.float64) ** exponent)
    cdf /= cdf[-1]
    words = np.array([f"w{r}" for r in range(types)], dtype=object)
    block_lines = 50_000
    written = 0
    with open(path, "w", encoding="utf8") as f:
        while written < tokens:
            n = min(block_lines * per_line, tokens - written)
            ranks = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), types - 1)
            toks = words[ranks]
            lines = [" ".join(toks[i : i + per_line]) for i in range(0, n, per_line)]
            f.write("\n".join(lines) + "\n")
            written += n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path)
    parser.add_argument("--tokens", type=int, default=20_000_000)
    parser.add_argument("--types", type=int, default=1_000_000)
    parser.add_argument("--exponent", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_zipf_corpus(args.output, args.tokens, args.types, args.exponent, args.seed)


if __name__ == "__main__":
    main()
