"""Gather the evaluation results and training logs of a workflow run into one metrics JSON.

Usage: python scripts/collect_metrics.py OUTPUT_JSON --similarity S.json --perplexity P.json
           [--skipgram SKIPGRAM_DIR] [--elmo ELMO_DIR]

OUTPUT_JSON gets ``word_similarity`` (Spearman rho and coverage, from
``evaluate-similarity``), ``perplexity`` (from ``evaluate-perplexity``), and
``training`` (the skip-gram training log and the ELMo dev history).
"""
import argparse
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import srsly
from wasabi import msg

from spacy_elmo_w2v.output import write_json_output


def training_summary(skipgram_dir: Optional[Path], elmo_dir: Optional[Path]) -> Dict[str, Any]:
    """What the pretraining runs recorded: the skip-gram ``training_log.json`` and ELMo's meta performance."""
    summary: Dict[str, Any] = {}
    if skipgram_dir is not None and (skipgram_dir / "training_log.json").exists():
        summary["skipgram"] = srsly.read_json(skipgram_dir / "training_log.json")
    if elmo_dir is not None and (elmo_dir / "meta.json").exists():
        meta = srsly.read_json(elmo_dir / "meta.json")
        summary["elmo"] = {"dev": meta.get("performance", {}), "history": meta.get("elmo", {}).get("history", [])}
    return summary


def collect(similarity: Path, perplexity: Path, skipgram_dir: Optional[Path], elmo_dir: Optional[Path]) -> Dict[str, Any]:
    """The combined metrics dict (see the module docstring)."""
    sim = srsly.read_json(similarity)
    return {
        "word_similarity": {k: sim[k] for k in ("spearman", "covered", "total", "coverage") if k in sim},
        "perplexity": srsly.read_json(perplexity),
        "training": training_summary(skipgram_dir, elmo_dir),
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write OUTPUT_JSON; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--similarity", type=Path, required=True)
    parser.add_argument("--perplexity", type=Path, required=True)
    parser.add_argument("--skipgram", type=Path, default=None)
    parser.add_argument("--elmo", type=Path, default=None)
    args = parser.parse_args(argv)
    metrics = collect(args.similarity, args.perplexity, args.skipgram, args.elmo)
    write_json_output(args.output, metrics)
    sim, ppl = metrics["word_similarity"], metrics["perplexity"]
    rho = sim.get("spearman")  # None (null) when too few pairs were covered
    msg.good(
        f"Wrote {args.output}: word similarity rho {'n/a' if rho is None else format(rho, '.3f')} "
        f"(coverage {sim.get('coverage', 0):.0%}), test perplexity {ppl.get('ppl_mean', float('nan')):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
