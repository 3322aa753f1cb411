"""1 process against 2 data-parallel processes (torchrun, gloo, one thread each), side by side in one run.

    python benchmarks/distributed.py [--repeats 3] [--elmo-sentences 8000] [--skip elmo|skipgram]
    python benchmarks/distributed.py --skip skipgram --repeats 3 --elmo-sentences 4000   # ELMo only

- skip-gram: full PTB train, configs/skipgram.cfg (5 epochs); 1 process, and
  2 processes adding up their moves every ``sync_every`` steps for each K in
  ``--sync-every`` (skipgram/sync.py; K = 1 moves at most the bytes of a
  dense gradient all-reduce every step). Corpus
  tokens/s of the training loop (training_log.json) and WordSim-353 rho, one
  seed per repeat (seeds 0..repeats-1), runs alternating.
- ELMo: configs/elmo.cfg (the CPU preset) for one epoch on the first
  ``--elmo-sentences`` lines of PTB train, so both see the same tokens;
  training tokens/s (median of ``--repeats`` runs, 1 and 2 processes
  alternating) and dev perplexity (mean) on the first 1000 lines of PTB valid.

Every run is a fresh subprocess with OMP_NUM_THREADS=1; the machine load
(``os.getloadavg``) is printed before and after.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def launch(n_procs: int, args: List[str]) -> None:
    """``python -m spacy_elmo_w2v ARGS`` in 1 process, or under torchrun in ``n_procs``."""
    head = [sys.executable]
    if n_procs > 1:
        head += ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(n_procs)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([*head, "-m", "spacy_elmo_w2v", *args], env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stderr[-3000:]}")


def wordsim(pipeline: Path, pairs: Path) -> float:
    import spacy

    from spacy_elmo_w2v.pipeline import find_pipe
    from spacy_elmo_w2v.similarity import evaluate_pairs, read_pairs

    nlp = spacy.load(pipeline)
    _, pipe = find_pipe(nlp, "skipgram_vectors")
    return evaluate_pairs(nlp.vocab.vectors, read_pairs(pairs), pipe.normalizer)["spearman"]


def skipgram(work: Path, repeats: int, sync_every: List[int]) -> List[Dict]:
    train, pairs = DATA / "ptb" / "ptb.train.txt", DATA / "eval" / "wordsim353.txt"
    variants = [(1, None)] + [(2, k) for k in sync_every]
    rows: Dict[str, Dict[str, list]] = {}
    for seed in range(repeats):
        for n_procs, k in variants:
            name = "1 process" if n_procs == 1 else f"2 processes, sync_every {k}"
            out = work / f"sg_{n_procs}_{k}_{seed}"
            args = ["pretrain-skipgram", str(ROOT / "configs" / "skipgram.cfg"), str(out), "--no-progress",
                    "--paths.train", str(train), "--system.seed", str(seed)]
            if k is not None:
                args += ["--pretrain.sync_every", str(k)]
            launch(n_procs, args)
            log = json.loads((out / "training_log.json").read_text())
            row = rows.setdefault(name, {"tok_s": [], "rho": []})
            row["tok_s"].append(log["corpus_tokens_per_second"])
            row["rho"].append(wordsim(out, pairs))
            print(f"  {name}, seed {seed}: {row['tok_s'][-1]:,.0f} tok/s, rho {row['rho'][-1]:.3f}", flush=True)
    base = statistics.median(rows["1 process"]["tok_s"])
    return [
        {"run": name, "tok_s": statistics.median(r["tok_s"]), "speedup": statistics.median(r["tok_s"]) / base,
         "rho_mean": statistics.mean(r["rho"]), "rho_min": min(r["rho"]), "rho_max": max(r["rho"])}
        for name, r in rows.items()
    ]


def elmo(work: Path, sentences: int, repeats: int) -> List[Dict]:
    dev = work / "dev.txt"
    dev.write_text("\n".join((DATA / "ptb" / "ptb.valid.txt").read_text().splitlines()[:1000]) + "\n")
    runs: Dict[int, List[Dict]] = {1: [], 2: []}
    for repeat in range(repeats):
        for n_procs in (1, 2):
            out = work / f"elmo_{n_procs}_{repeat}"
            launch(n_procs, ["pretrain-elmo", str(ROOT / "configs" / "elmo.cfg"), str(out),
                             "--paths.train", str(DATA / "ptb" / "ptb.train.txt"), "--paths.dev", str(dev),
                             "--pretrain.max_train_sentences", str(sentences), "--pretrain.max_epochs", "1",
                             "--pretrain.max_minutes", "0", "--pretrain.progress", "false"])
            h = json.loads((out / "meta.json").read_text())["elmo"]["history"][-1]
            runs[n_procs].append({"tok_s": h["train_tokens_per_second"], "tokens": h["train_tokens"], "ppl_mean": h["ppl_mean"]})
            print(f"  ELMo {n_procs}, repeat {repeat}: {runs[n_procs][-1]} (load {os.getloadavg()[0]:.2f})", flush=True)
    out_rows = [
        {"run": f"{n} process(es)", "tok_s": statistics.median(r["tok_s"] for r in rs), "tokens": rs[0]["tokens"],
         "ppl_mean": statistics.mean(r["ppl_mean"] for r in rs)}
        for n, rs in runs.items()
    ]
    for r in out_rows:
        r["speedup"] = r["tok_s"] / out_rows[0]["tok_s"]
        r["ppl_vs_1"] = r["ppl_mean"] / out_rows[0]["ppl_mean"] - 1
    return out_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sync-every", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--elmo-sentences", type=int, default=8000)
    parser.add_argument("--skip", choices=["elmo", "skipgram"], default=None)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.skip != "skipgram":
            results = skipgram(work, args.repeats, args.sync_every)
            print("| skip-gram, PTB train, 5 epochs | corpus tokens/s (median) | x 1 process | WordSim-353 rho mean (min-max) |")
            print("|---|---:|---:|---|")
            for r in results:
                print(f"| {r['run']} | {r['tok_s']:,.0f} | {r['speedup']:.2f} | {r['rho_mean']:.3f} ({r['rho_min']:.3f}-{r['rho_max']:.3f}) |")
        if args.skip != "elmo":
            results = elmo(work, args.elmo_sentences, args.repeats)
            print(f"| ELMo CPU preset, 1 epoch on {args.elmo_sentences} PTB lines | train tokens/s (median) | x 1 process | tokens | dev ppl (mean) | vs 1 process |")
            print("|---|---:|---:|---:|---:|---:|")
            for r in results:
                print(f"| {r['run']} | {r['tok_s']:,.0f} | {r['speedup']:.2f} | {r['tokens']:,} | {r['ppl_mean']:.1f} | {r['ppl_vs_1']:+.1%} |")
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
