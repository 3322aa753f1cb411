"""Gather the downstream tagger results into metrics/downstream.json and a markdown table.

Usage: python scripts/downstream_table.py METRICS_DIR --output FILE.json --markdown FILE.md

Reads every METRICS_DIR/*.json written by scripts/train_tagger.py and groups
their runs by variant (one file per variant, or several, e.g. one per seed);
variants without runs are left out and named. Per variant and score: the mean
and the sample standard deviation over seeds; against the baseline: the
relative error reduction, (error_baseline - error_variant) / error_baseline
with error = 1 - mean accuracy, and the ratio of the mean `spacy train` wall
times.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from downstream_variants import BASELINE, VARIANTS
from wasabi import msg

from spacy_elmo_w2v.output import output_text_file, write_json_output

ACCURACIES = ("tag_acc", "pos_acc", "morph_acc")
MEASURES = (*ACCURACIES, "words_per_second", "train_seconds")


def summarize(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation (0 for one value), and n of ``values``."""
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "n": len(values),
    }


def error_reduction(baseline_acc: float, acc: float) -> Optional[float]:
    """Relative error reduction of ``acc`` over ``baseline_acc`` (None when the baseline makes no error)."""
    baseline_error = 1.0 - baseline_acc
    return (baseline_error - (1.0 - acc)) / baseline_error if baseline_error > 0 else None


def read_results(metrics_dir: Path) -> Dict[str, dict]:
    """The results in ``metrics_dir``'s JSON files, merged per variant and ordered as VARIANTS (runs by seed)."""
    merged: Dict[str, dict] = {}
    for path in sorted(metrics_dir.glob("*.json")):
        result = json.loads(path.read_text(encoding="utf8"))
        entry = merged.setdefault(result["variant"], {**result, "runs": []})
        entry["runs"].extend(result["runs"])
    for entry in merged.values():
        entry["runs"].sort(key=lambda run: run["seed"])
    return {name: merged[name] for name in VARIANTS if name in merged}


def build_table(results: Dict[str, dict]) -> Dict[str, dict]:
    """Per variant: the summaries of every measure, and the comparisons with the baseline when it ran."""
    table: Dict[str, dict] = {}
    for name, result in results.items():
        runs = result["runs"]
        row = {"description": result.get("description", ""), "seeds": [r["seed"] for r in runs]}
        for measure in MEASURES:
            values = [r[measure] for r in runs if r.get(measure) is not None]
            if values:
                row[measure] = summarize(values)
        table[name] = row
    base = table.get(BASELINE)
    for name, row in table.items():
        if base is None:
            break
        for acc in ACCURACIES:
            if acc in row and acc in base:
                row[f"{acc}_error_reduction"] = error_reduction(base[acc]["mean"], row[acc]["mean"])
        if "train_seconds" in row and "train_seconds" in base:
            row["train_time_ratio"] = row["train_seconds"]["mean"] / base["train_seconds"]["mean"]
    return table


def _pct(summary: Optional[dict]) -> str:
    return f"{100 * summary['mean']:.2f} ± {100 * summary['std']:.2f}" if summary else "-"


def _ratio(value: Optional[float], percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{100 * value:+.1f}%" if percent else f"{value:.2f}x"


def markdown(table: Dict[str, dict]) -> str:
    """The table as markdown: accuracies in %, mean ± std over seeds."""
    lines = [
        "| variant | seeds | TAG acc | POS acc | morph acc | TAG err. red. | POS err. red. | train time | vs baseline | words/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in table.items():
        seconds = f"{row['train_seconds']['mean']:.0f} s" if "train_seconds" in row else "-"
        speed = f"{row['words_per_second']['mean']:,.0f}" if "words_per_second" in row else "-"
        lines.append(
            f"| {name} ({row['description']}) | {len(row['seeds'])} | {_pct(row.get('tag_acc'))} | "
            f"{_pct(row.get('pos_acc'))} | {_pct(row.get('morph_acc'))} | "
            f"{_ratio(row.get('tag_acc_error_reduction'), True)} | {_ratio(row.get('pos_acc_error_reduction'), True)} | "
            f"{seconds} | {_ratio(row.get('train_time_ratio'))} | {speed} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Read the variants' results and write the JSON and markdown tables; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metrics_dir", type=Path, help="Folder with VARIANT.json files")
    parser.add_argument("--output", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--markdown", type=Path, required=True, help="Markdown file to write")
    args = parser.parse_args(argv)
    results = read_results(args.metrics_dir)
    missing: List[str] = [name for name in VARIANTS if name not in results]
    if not results:
        raise SystemExit(f"no results in {args.metrics_dir}: run scripts/train_tagger.py (the tagger-* steps) first.")
    if missing:
        msg.warn(f"no results for {', '.join(missing)} in {args.metrics_dir}: left out of the table.")
    table = build_table(results)
    write_json_output(args.output, table)
    with output_text_file(args.markdown) as f:
        f.write(markdown(table))
    print(markdown(table))
    msg.good(f"Wrote {args.output} and {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
