"""What ELMo features cost a spaCy tagger: `spacy train` wall time and `nlp.pipe` words/s, side by side.

    python benchmarks/tagger_cost.py --corpus corpus/ewt --skipgram training/skipgram --elmo training/elmo
        [--variants baseline,elmo] [--steps 200] [--rounds 2] [--output cost.json]
        [--env OMP_NUM_THREADS=1 --env GOMP_SPINCOUNT=10000 ...] [--busy]

Run from a project directory that holds the configs (the repository root or
a copy of the project). For each round, every variant of
scripts/downstream_variants.py named in --variants is trained with
`python -m spacy train` for --steps steps (dev evaluation only at the end),
one after the other, so load from other processes hits all of them alike;
then each trained pipeline (model-last) runs `nlp.pipe` over the test texts,
again alternately. Prints a markdown table with the median train seconds,
their ratio to the first variant, and the median words/s, and the load
average before and after.

Each --env (``NAME=VALUE[,NAME=VALUE]``; ``-`` for the environment as it is)
runs every variant again with those settings (e.g. the OpenMP thread count
and spin), one row each; --busy keeps one busy process
(``python -c "while True: pass"``) on the machine throughout.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "benchmarks"))

from downstream_variants import VARIANTS, feature_overrides  # noqa: E402
from scale import Busy  # noqa: E402


def parse_env(text: str) -> Tuple[str, Dict[str, str]]:
    """``"A=1,B=2"`` -> ``("A=1,B=2", {"A": "1", "B": "2"})``; ``"-"`` -> the environment as it is."""
    if text == "-":
        return "as is", {}
    pairs = [item.split("=", 1) for item in text.split(",") if item]
    if not pairs or any(len(pair) != 2 or not pair[0] for pair in pairs):
        raise argparse.ArgumentTypeError(f"--env {text!r}: give NAME=VALUE[,NAME=VALUE], or - for none")
    return text, dict(pairs)


def train_seconds(
    variant: str, corpus: Path, skipgram: Path, elmo: Path, steps: int, out: Path, env: Optional[Dict[str, str]] = None
) -> float:
    """Wall seconds of one `spacy train` of ``variant`` for ``steps`` steps into ``out`` (``env``: extra variables)."""
    spec = VARIANTS[variant]
    argv = [
        sys.executable, "-m", "spacy", "train", str(spec.config), "--output", str(out),
        "--paths.train", str(corpus / "train.spacy"), "--paths.dev", str(corpus / "dev.spacy"),
        "--training.max_steps", str(steps), "--training.eval_frequency", str(steps),
        *feature_overrides(spec, skipgram, elmo),
    ]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def pipe_words_per_second(model: Path, texts: List[str], env: Optional[Dict[str, str]] = None) -> float:
    """Words/s of ``nlp.pipe`` over ``texts`` with the pipeline at ``model`` (in a fresh process; ``env``: extra variables)."""
    code = (
        "import json, sys, time, spacy\n"
        f"nlp = spacy.load({str(model)!r})\n"
        "texts = json.load(sys.stdin)\n"
        "list(nlp.pipe(texts[:50]))\n"  # warm-up
        "start = time.perf_counter()\n"
        "n = sum(len(doc) for doc in nlp.pipe(texts, batch_size=256))\n"
        "print(n / (time.perf_counter() - start))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True,
        env={**os.environ, **(env or {})},
    )
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
    parser.add_argument("--env", type=parse_env, action="append", default=None,
                        help="NAME=VALUE[,NAME=VALUE] for the spacy runs (repeat to compare; - for none)")
    parser.add_argument("--busy", action="store_true", help="One busy process on the machine throughout")
    args = parser.parse_args()
    envs = dict(args.env or [parse_env("-")])
    # row name -> (variant, extra environment); the first row is the reference
    settings = {
        (f"{v} [{label}]" if len(envs) > 1 else v): (v, extra) for label, extra in envs.items() for v in args.variants.split(",")
    }
    variants = list(settings)
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    texts = [doc.text for doc in DocBin().from_disk(args.corpus / "test.spacy").get_docs(nlp.vocab)]
    load_before = os.getloadavg()
    seconds: Dict[str, List[float]] = {v: [] for v in variants}
    speed: Dict[str, List[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp, Busy() if args.busy else nullcontext():
        for round_ in range(args.rounds):
            for k, variant in enumerate(variants):
                name, extra = settings[variant]
                out = Path(tmp) / f"{k}-{round_}"
                seconds[variant].append(train_seconds(name, args.corpus, args.skipgram, args.elmo, args.steps, out, extra))
                print(f"round {round_ + 1}: {variant} trained in {seconds[variant][-1]:.1f} s", file=sys.stderr)
            for k, variant in enumerate(variants):
                model = Path(tmp) / f"{k}-{round_}" / "model-last"
                speed[variant].append(pipe_words_per_second(model, texts, settings[variant][1]))
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
          f"{'one busy process on the machine, ' if args.busy else ''}"
          f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}\n")
    print(f"| variant | train s | vs {variants[0]} | nlp.pipe words/s |\n|---|---:|---:|---:|")
    for v, row in rows.items():
        print(f"| {v} | {row['train_seconds']:.1f} | {row['train_time_ratio']:.2f}x | {row['words_per_second']:,.0f} |")
    if args.output:
        args.output.write_text(json.dumps(
            {"steps": args.steps, "busy": args.busy, "load": [load_before, load_after], "variants": rows}, indent=2
        ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
