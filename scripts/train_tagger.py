"""Train and evaluate one tagger variant of the downstream workflow, once per seed.

Usage: python scripts/train_tagger.py VARIANT --corpus DIR --output DIR --metrics FILE --seeds 0,1,2
       [--skipgram PIPELINE] [--elmo PIPELINE] [--max-steps N]
       [--eval-frequency N] [--gpu-id N] [--smoke true|false]

project.yml passes every path and ``vars.seeds``; a variant with static
vectors needs --skipgram, one with ELMo features --elmo.

For each seed: `python -m spacy train CONFIG` (the variant's config and
overrides from scripts/downstream_variants.py, `--system.seed SEED`) into
OUTPUT/VARIANT/seed-SEED, timing its wall clock, then `python -m spacy
evaluate` of model-best on DIR/test.spacy. Both run with our command line's
OpenMP thread defaults (:func:`thread_environment`). Writes FILE (JSON): the variant,
its command line, and per seed the train seconds and the test scores
(TAG, POS and morphology accuracy, words/s). A smoke run uses the first seed
and the few steps of scripts/presets.py instead of --max-steps and
--eval-frequency.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from downstream_variants import VARIANTS, feature_overrides
from presets import SMOKE_TAGGER_OVERRIDES, parse_bool
from pretrain import choose_device
from wasabi import msg

from spacy_elmo_w2v.output import write_json_output
from spacy_elmo_w2v.threads import configure_threads

# The scores of `spacy evaluate`'s JSON that the table reports.
SCORES = {"tag_acc": "tag_acc", "pos_acc": "pos_acc", "morph_acc": "morph_acc", "speed": "words_per_second"}


def parse_seeds(text: str) -> List[int]:
    """``"0,1,2"`` -> ``[0, 1, 2]``."""
    seeds = [int(s) for s in text.replace(" ", ",").split(",") if s]
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seed in {text!r}: give e.g. 0,1,2")
    return seeds


def train_command(args: argparse.Namespace, seed: int, out: Path, gpu_id: int) -> List[str]:
    """The `spacy train` argv of one seed."""
    variant = VARIANTS[args.variant]
    argv = [
        sys.executable, "-m", "spacy", "train", str(variant.config), "--output", str(out), "--gpu-id", str(gpu_id),
        "--paths.train", str(args.corpus / "train.spacy"), "--paths.dev", str(args.corpus / "dev.spacy"),
        "--system.seed", str(seed), *feature_overrides(variant, args.skipgram, args.elmo),
    ]
    if args.smoke:
        return argv + SMOKE_TAGGER_OVERRIDES
    if args.max_steps is not None:
        argv += ["--training.max_steps", str(args.max_steps)]
    if args.eval_frequency is not None:
        argv += ["--training.eval_frequency", str(args.eval_frequency)]
    return argv


def thread_environment() -> Dict[str, str]:
    """This process's environment with the thread defaults of ``python -m spacy_elmo_w2v`` filled in
    (:func:`spacy_elmo_w2v.threads.configure_threads`: the free cores, a short OpenMP spin), for a
    `spacy` child whose torch starts its thread pool there; what the user set stays as it is.

    With torch's own defaults one busy process made `spacy train` of the ELMo tagger take 2-7x longer (README)
    before `elmo_vectors` capped the threads of its own pass; these defaults also cover the child's other torch work.
    """
    environ = dict(os.environ)
    configure_threads(environ)
    return environ


def run(argv: Sequence[str]) -> float:
    """Run a command (output shown, thread defaults of :func:`thread_environment`); return its wall
    seconds. Stops the script when it fails."""
    msg.info(" ".join(argv[1:]))
    start = time.perf_counter()
    result = subprocess.run(list(argv), env=thread_environment())
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"`{' '.join(argv[1:4])} ...` failed with exit status {result.returncode}")
    return seconds


def train_and_evaluate(args: argparse.Namespace, seed: int, gpu_id: int) -> Dict[str, float]:
    """Train one seed and evaluate it on the test set; returns its record."""
    out = args.output / args.variant / f"seed-{seed}"
    train_seconds = run(train_command(args, seed, out, gpu_id))
    scores_file = out / "test_scores.json"
    run([
        sys.executable, "-m", "spacy", "evaluate", str(out / "model-best"), str(args.corpus / "test.spacy"),
        "--output", str(scores_file), "--gpu-id", str(gpu_id),
    ])
    scores = json.loads(scores_file.read_text(encoding="utf8"))
    record = {"seed": seed, "train_seconds": round(train_seconds, 2)}
    record.update({name: scores.get(key) for key, name in SCORES.items()})
    return record


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train and evaluate every seed; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--corpus", type=Path, required=True, help="Folder with train/dev/test.spacy")
    parser.add_argument("--output", type=Path, required=True, help="Trained pipelines go to OUTPUT/VARIANT/seed-N")
    parser.add_argument("--metrics", type=Path, required=True, help="JSON file for the variant's results")
    parser.add_argument("--seeds", type=parse_seeds, required=True, help="Comma-separated seeds")
    parser.add_argument("--skipgram", type=Path, default=None, help="Skip-gram pipeline (variants with static vectors)")
    parser.add_argument("--elmo", type=Path, default=None, help="ELMo pipeline (variants with ELMo features)")
    parser.add_argument("--max-steps", type=int, default=None, help="[training] max_steps for every seed")
    parser.add_argument("--eval-frequency", type=int, default=None, help="[training] eval_frequency")
    parser.add_argument("--gpu-id", type=int, default=-1)
    parser.add_argument("--smoke", type=parse_bool, default=False, help="First seed only, a few steps")
    args = parser.parse_args(argv)
    variant = VARIANTS[args.variant]
    for needed, option in ((variant.static_vectors, "skipgram"), (variant.elmo, "elmo")):
        if needed and getattr(args, option) is None:
            parser.error(f"the {args.variant} variant needs --{option} PIPELINE (pretrain-{option}'s output)")
    if not variant.config.exists():
        raise SystemExit(f"{variant.config} not found: the {args.variant} variant needs it (run from the project directory).")
    gpu_id, _ = choose_device(args.gpu_id)
    seeds = args.seeds[:1] if args.smoke else args.seeds
    runs = []
    for i, seed in enumerate(seeds, 1):
        msg.divider(f"{args.variant} ({variant.description}): seed {seed}, {i} of {len(seeds)}")
        runs.append(train_and_evaluate(args, seed, gpu_id))
        msg.good(f"seed {seed}: " + ", ".join(f"{k} {v}" for k, v in runs[-1].items() if k != "seed"))
    result = {
        "variant": args.variant,
        "description": variant.description,
        "command": train_command(args, seeds[0], args.output / args.variant / "seed-SEED", gpu_id)[1:],
        "runs": runs,
    }
    write_json_output(args.metrics, result)
    msg.good(f"{args.metrics}: {len(runs)} run(s) of {args.variant}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
