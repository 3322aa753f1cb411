"""What ELMo features cost a spaCy tagger: `spacy train` wall time and `nlp.pipe` words/s, side by side.

    python benchmarks/tagger_cost.py --corpus corpus/ewt --skipgram training/skipgram --elmo training/elmo
        [--variants baseline,elmo] [--steps 200] [--rounds 2] [--output cost.json]

Run from a project directory that holds the configs (the repository root or
a copy of the project). For each round, every variant of
scripts/downstream_variants.py named in --variants is trained with
`python -m spacy train` for --steps steps (dev evaluation only at the end),
one after the other, so load from other processes hits all of them alike;
then each trained pipeline (model-last) runs `nlp.pipe` over the test texts,
again alternately. Prints a markdown table with the median train seconds,
their ratio to the first variant, and the median words/s, and the load
average before and after.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from downstream_variants import VARIANTS, feature_overrides  # noqa: E402


def train_seconds(variant: str, corpus: Path, skipgram: Path, elmo: Path, steps: int, out: Path) -> float:
    """Wall seconds of one `spacy train` of ``variant`` for ``steps`` steps into ``out``."""
    spec = VARIANTS[variant]
    argv = [
        sys.executable, "-m", "spacy", "train", str(spec.config), "--output", str(out),
        "--paths.train", str(corpus / "train.spacy"), "--paths.dev", str(corpus / "dev.spacy"),
        "--training.max_steps", str(steps), "--training.eval_frequency", str(steps),
        *feature_overrides(spec, skipgram, elmo),
    ]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def pipe_words_per_second(model: Path, texts: List[str]) -> float:
    """Words/s of ``nlp.pipe`` over ``texts`` with the pipeline at ``model`` (in a fresh process)."""
    code = (
        "import json, sys, time, spacy\n"
        f"nlp = spacy.load({str(model)!r})\n"
        "texts = json.load(sys.stdin)\n"
        "list(nlp.pipe(texts[:50]))\n"  # warm-up
        "start = time.perf_counter()\n"
        "n = sum(len(doc) for doc in nlp.pipe(texts, batch_size=256))\n"
        "print(n / (time.perf_counter() - start))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="Folder with train/dev/test.spacy")
    parser.add_argument("--skipgram", type=Path, default=Path("training/skipgram"))
    parser.add_argument("--elmo", type=Path, default=Path("training/elmo"))
    parser.add_argument("--variants", default="baseline,elmo", help="Comma-separated; the first is the reference")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, default=None, help="Also write the results as JSON")
    args = parser.parse_args()
    variants = args.variants.split(",")
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    texts = [doc.text for doc in DocBin().from_disk(args.corpus / "test.spacy").get_docs(nlp.vocab)]
    load_before = os.getloadavg()
    seconds: Dict[str, List[float]] = {v: [] for v in variants}
    speed: Dict[str, List[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for variant in variants:
                out = Path(tmp) / f"{variant}-{round_}"
                seconds[variant].append(train_seconds(variant, args.corpus, args.skipgram, args.elmo, args.steps, out))
                print(f"round {round_ + 1}: {variant} trained in {seconds[variant][-1]:.1f} s", file=sys.stderr)
            for variant in variants:
                speed[variant].append(pipe_words_per_second(Path(tmp) / f"{variant}-{round_}" / "model-last", texts))
                print(f"round {round_ + 1}: {variant} nlp.pipe {speed[variant][-1]:,.0f} words/s", file=sys.stderr)
    load_after = os.getloadavg()
    reference = statistics.median(seconds[variants[0]])
    rows = {
        v: {
            "train_seconds": statistics.median(seconds[v]),
            "train_time_ratio": statistics.median(seconds[v]) / reference,
            "words_per_second": statistics.median(speed[v]),
            "all_train_seconds": seconds[v],
            "all_words_per_second": speed[v],
        }
        for v in variants
    }
    print(f"`spacy train` of {args.steps} steps and `nlp.pipe` over {len(texts)} test docs, {args.rounds} rounds, "
          f"medians; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}\n")
    print(f"| variant | train s | vs {variants[0]} | nlp.pipe words/s |\n|---|---:|---:|---:|")
    for v, row in rows.items():
        print(f"| {v} | {row['train_seconds']:.1f} | {row['train_time_ratio']:.2f}x | {row['words_per_second']:,.0f} |")
    if args.output:
        args.output.write_text(json.dumps({"steps": args.steps, "load": [load_before, load_after], "variants": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
