"""`nlp.pipe` words/s of trained pipelines on the texts of a DocBin, side by side.

    python benchmarks/pipe_speed.py corpus/ewt/test.spacy training/taggers/baseline/seed-0/model-best \
        training/taggers/elmo/seed-0/model-best [--rounds 3] [--batch-size 256]

Each round runs every pipeline once over all texts, alternating, so that load
from other processes hits them alike; prints the best and the median words/s
of each, torch's thread count and the load average.
"""
import argparse
import os
import time
from pathlib import Path
from typing import Dict, List


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a .spacy DocBin whose texts are processed")
    parser.add_argument("pipelines", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()

    import spacy
    import torch
    from spacy.tokens import DocBin

    texts = [doc.text for doc in DocBin().from_disk(args.corpus).get_docs(spacy.blank("en").vocab)]
    models = {str(path): spacy.load(path) for path in args.pipelines}
    n_words = sum(len(doc) for doc in next(iter(models.values())).tokenizer.pipe(texts))
    print(f"{len(texts):,} texts, {n_words:,} words; torch threads {torch.get_num_threads()}; load {os.getloadavg()}")
    speeds: Dict[str, List[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, nlp in models.items():
            start = time.perf_counter()
            for _doc in nlp.pipe(texts, batch_size=args.batch_size):
                pass
            speeds[name].append(n_words / (time.perf_counter() - start))
    for name, values in speeds.items():
        values.sort()
        print(f"{name}: words/s best {values[-1]:,.0f}, median {values[len(values) // 2]:,.0f}")
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
