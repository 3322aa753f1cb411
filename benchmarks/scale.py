"""Skip-gram (and ELMo) at scale: ours against gensim 4, whole commands, side by side in one run.

    pip install -e '.[benchmark]'
    python benchmarks/scale.py [--ptb PTB_TRAIN] [--tokens 20000000] [--types 1000000] [--work DIR]
                               [--repeats 1] [--cases ptb,zipf,zipf-busy,ptb-busy,threads,exit,growth,elmo,elmo-growth,elmo-busy]
                               [--elmo-vocab 50000] [--elmo-minutes 1] [--elmo-corpus zipf|ptb]

Cases (each implementation in its own subprocess, alternating ours/gensim):

- ``ptb``: PTB train, 5 epochs, min_count 10 (configs/skipgram.cfg);
- ``zipf``: a synthetic Zipf corpus (``benchmarks/zipf_corpus.py``, written
  to ``--work`` and not kept in the repository), 1 epoch, min_count 5;
- ``zipf-busy`` / ``ptb-busy``: the same while one busy process
  (``python -c "while True: pass"``) runs on the machine;
- ``threads``: ours on PTB with the thread defaults off
  (``SPACY_ELMO_W2V_THREADS=0``, torch's own: every core, libgomp's long
  spin) and on, quiet and with one busy process;
- ``exit``: ours on PTB started as ``python -m spacy_elmo_w2v`` (which
  freezes the collector when the command ends) and as the same command line
  without that, quiet and with one busy process: what the interpreter's exit costs;
- ``growth``: ours on a fifth of the Zipf corpus and on that fifth repeated
  5 times (min_count 1, so the vocabulary is the same): peak RSS should not grow;
- ``elmo``: ``pretrain-elmo`` (configs/elmo.cfg, CPU preset) on the Zipf
  corpus with the vocabulary capped at ``--elmo-vocab`` words, one epoch
  stopped after ``--elmo-minutes`` of training: training tokens/s (from the
  run's history) and the whole command's peak RSS;
- ``elmo-growth``: the same on a fifth of the Zipf corpus and on that fifth
  repeated 5 times: peak RSS should not grow with the corpus;
- ``elmo-busy``: ``pretrain-elmo`` as the ``elmo`` case, quiet and with one
  busy process on the machine, alternating, each with the command line's own
  thread defaults (``OMP_NUM_THREADS`` and ``GOMP_SPINCOUNT`` unset):
  training tokens/s under load against quiet.

``--elmo-corpus ptb`` runs the ELMo cases on ``--ptb`` (dev: the first 2,000
lines of PTB valid) instead of the Zipf corpus.

Measured per run: wall seconds of the whole command (start-up, reading,
vocabulary, training, saving, exit) and of its exit alone (``exit_s``: from
its last line of output), corpus tokens/s (corpus tokens x epochs /
wall seconds), the child's peak RSS (``os.wait4``'s rusage of that child) and
the vocabulary size. gensim runs ``Word2Vec(corpus_file=..., workers=cores)``
with the same hyperparameters (dim 100, window 5, 5 negatives, t = 1e-4).
Record the load (printed) with the figures.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def cores() -> int:
    return len(os.sched_getaffinity(0))


def measure(cmd: List[str], env: Optional[Dict[str, str]] = None) -> Dict:
    """Run ``cmd``; return wall seconds, seconds from its last line of output to its exit (``exit_s``: the
    interpreter's teardown), peak RSS (MB) of that child, and its output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines, last = [], start
    for line in proc.stdout:
        lines.append(line)
        last = time.perf_counter()
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.perf_counter()
    out = "".join(lines)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}")
    return {"seconds": end - start, "exit_s": end - last, "rss_mb": usage.ru_maxrss / 1e3, "output": out}


# The command line as it was before it froze the collector at exit (``spacy_elmo_w2v/__main__.py``): the ``exit`` case.
UNFROZEN_CLI = [sys.executable, "-c", "from spacy_elmo_w2v.threads import configure_threads; configure_threads(); "
                "from spacy_elmo_w2v.cli import app; app(prog_name='spacy_elmo_w2v')"]


def run_ours(corpus: Path, epochs: int, min_count: int, out: Path, env: Optional[Dict[str, str]] = None,
             cli: Optional[List[str]] = None) -> Dict:
    """Our whole ``pretrain-skipgram`` command; ``cli``: how it is started (``python -m spacy_elmo_w2v``)."""
    cmd = [*(cli or [sys.executable, "-m", "spacy_elmo_w2v"]), "pretrain-skipgram", str(ROOT / "configs" / "skipgram.cfg"),
           str(out), "--overwrite", "--no-progress", "--paths.train", str(corpus), "--pretrain.max_epochs", str(epochs),
           "--components.skipgram_vectors.min_count", str(min_count)]
    r = measure(cmd, env)
    log = json.loads((out / "training_log.json").read_text())
    r.update(vocab=log["n_words"] - 1, tokens=log["corpus_tokens"])  # without <unk>, as gensim counts
    return r


def run_gensim(corpus: Path, epochs: int, min_count: int, out: Path) -> Dict:
    cmd = [sys.executable, __file__, "--gensim-worker", str(corpus), "--epochs", str(epochs),
           "--min-count", str(min_count), "--out", str(out)]
    r = measure(cmd)
    r.update(json.loads(r["output"].strip().splitlines()[-1]))
    return r


def run_elmo(corpus: Path, dev: Path, vocab: int, minutes: float, out: Path, env: Optional[Dict[str, str]] = None) -> Dict:
    """``pretrain-elmo`` on ``corpus`` with a capped vocabulary, training stopped after ``minutes``."""
    cmd = [sys.executable, "-m", "spacy_elmo_w2v", "pretrain-elmo", str(ROOT / "configs" / "elmo.cfg"), str(out),
           "--overwrite", "--paths.train", str(corpus), "--paths.dev", str(dev), "--pretrain.max_epochs", "1",
           "--pretrain.max_minutes", str(minutes), "--pretrain.max_vocab_size", str(vocab), "--pretrain.progress", "false"]
    r = measure(cmd, env)
    history = json.loads((out / "meta.json").read_text())["elmo"]["history"][-1]
    found = re.search(r"vocabulary ([\d,]+)", r["output"])
    threads = re.search(r"\((\d+) thread\(s\) each\)", r["output"])
    r.update(vocab=int(found.group(1).replace(",", "")) if found else None, train_tokens=history["train_tokens"],
             train_tokens_per_s=round(history["train_tokens_per_second"]), threads=int(threads.group(1)) if threads else None)
    return r


def report_elmo(case: str, r: Dict) -> Dict:
    row = {"case": case, "impl": "ours pretrain-elmo", "seconds": round(r["seconds"], 2),
           "train_tokens": r["train_tokens"], "train_tokens_per_s": r["train_tokens_per_s"],
           "rss_mb": round(r["rss_mb"]), "vocab": r["vocab"], "threads": r["threads"], "load": os.getloadavg()[0]}
    print(json.dumps(row), flush=True)
    return row


def gensim_worker(corpus: Path, epochs: int, min_count: int, out: Path) -> None:
    from gensim.models import Word2Vec

    model = Word2Vec(corpus_file=str(corpus), vector_size=100, window=5, negative=5, min_count=min_count,
                     sample=1e-4, sg=1, workers=cores(), epochs=epochs, seed=0)
    out.mkdir(parents=True, exist_ok=True)
    model.wv.save(str(out / "vectors.kv"))
    print(json.dumps({"vocab": len(model.wv), "tokens": model.corpus_total_words}))


def default_threads_env() -> Dict[str, str]:
    """This environment without the OpenMP settings, so that the command line picks its own defaults."""
    return {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}


class Busy:
    """One busy process on the machine while the block runs."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def report(case: str, impl: str, r: Dict, epochs: int) -> Dict:
    row = {"case": case, "impl": impl, "seconds": round(r["seconds"], 2), "exit_s": round(r["exit_s"], 2),
           "tokens_per_s": round(r["tokens"] * epochs / r["seconds"]), "rss_mb": round(r["rss_mb"]),
           "vocab": r["vocab"], "load": os.getloadavg()[0]}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ptb", type=Path, default=DATA / "ptb" / "ptb.train.txt")
    parser.add_argument("--tokens", type=int, default=20_000_000)
    parser.add_argument("--types", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/spacy_elmo_w2v_scale"))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--cases", default="ptb,ptb-busy,zipf,zipf-busy,growth")
    parser.add_argument("--elmo-vocab", type=int, default=50_000, help="ELMo cases: max_vocab_size")
    parser.add_argument("--elmo-minutes", type=float, default=1.0, help="ELMo cases: minutes of training")
    parser.add_argument("--elmo-corpus", choices=["zipf", "ptb"], default="zipf", help="ELMo cases: the training corpus")
    parser.add_argument("--output", type=Path, help="write the rows as JSON")
    parser.add_argument("--gensim-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--min-count", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gensim_worker:
        gensim_worker(args.gensim_worker, args.epochs, args.min_count, args.out)
        return

    from zipf_corpus import write_zipf_corpus

    args.work.mkdir(parents=True, exist_ok=True)
    cases = args.cases.split(",")
    zipf = args.work / f"zipf_{args.tokens}_{args.types}.txt"
    needs_zipf = any(c.startswith("zipf") or c in ("growth", "elmo-growth") for c in cases) or (
        args.elmo_corpus == "zipf" and any(c.startswith("elmo") for c in cases))
    if needs_zipf and not zipf.exists():
        print(f"writing {zipf}", flush=True)
        write_zipf_corpus(zipf, args.tokens, args.types)
    print(f"{cores()} cores; load {os.getloadavg()}", flush=True)
    rows = []
    fifth, five = args.work / f"{zipf.stem}_fifth.txt", args.work / f"{zipf.stem}_fifth_x5.txt"
    if any(c in ("growth", "elmo-growth") for c in cases) and not five.exists():
        lines = zipf.read_text(encoding="utf8").splitlines(keepends=True)
        fifth.write_text("".join(lines[: len(lines) // 5]), encoding="utf8")
        five.write_text(fifth.read_text(encoding="utf8") * 5, encoding="utf8")
        del lines
    setups = {"ptb": (args.ptb, 5, 10), "zipf": (zipf, 1, 5)}
    elmo_train = zipf if args.elmo_corpus == "zipf" else args.ptb
    for case in cases:
        if case.startswith("elmo"):
            dev = args.work / f"{args.elmo_corpus}_dev.txt"
            dev_source = zipf if args.elmo_corpus == "zipf" else args.ptb.with_name("ptb.valid.txt")
            with open(dev_source, encoding="utf8") as f:
                dev.write_text("".join(line for _, line in zip(range(2000), f)), encoding="utf8")
        if case == "elmo-busy":
            for _ in range(args.repeats):
                for busy in (False, True):
                    with Busy() if busy else _nothing():
                        time.sleep(1)
                        r = run_elmo(elmo_train, dev, args.elmo_vocab, args.elmo_minutes, args.work / "out_elmo", default_threads_env())
                    rows.append(report_elmo("elmo-busy" if busy else "elmo-quiet", r))
            speed = {c: statistics.median(r["train_tokens_per_s"] for r in rows if r["case"] == c) for c in ("elmo-quiet", "elmo-busy")}
            print(f"ELMo training tokens/s with one busy process: {speed['elmo-busy'] / speed['elmo-quiet']:.0%} of quiet "
                  f"(medians {speed['elmo-busy']:,.0f} / {speed['elmo-quiet']:,.0f})", flush=True)
            continue
        if case in ("elmo", "elmo-growth"):
            runs = (("elmo", elmo_train),) if case == "elmo" else (("elmo-growth-1x", fifth), ("elmo-growth-5x", five))
            for name, path in runs:
                r = run_elmo(path, dev, args.elmo_vocab, args.elmo_minutes, args.work / "out_elmo")
                rows.append(report_elmo(name, r))
            continue
        if case == "growth":
            for name, path in (("growth-1x", fifth), ("growth-5x", five)):
                rows.append(report(name, "ours", run_ours(path, 1, 1, args.work / "out_ours"), 1))
            continue
        if case == "threads":
            for _ in range(args.repeats):
                for busy in (False, True):
                    for label, extra in (("defaults-off", {"SPACY_ELMO_W2V_THREADS": "0"}), ("defaults-on", {})):
                        env = {**default_threads_env(), **extra}
                        with Busy() if busy else _nothing():
                            r = run_ours(args.ptb, 5, 10, args.work / "out_ours", env)
                        rows.append(report("ptb-busy" if busy else "ptb", f"ours, {label}", r, 5))
            continue
        if case == "exit":
            for _ in range(args.repeats):
                for busy in (False, True):
                    for label, cli in (("collector frozen at exit", None), ("not frozen", UNFROZEN_CLI)):
                        with Busy() if busy else _nothing():
                            r = run_ours(args.ptb, 5, 10, args.work / "out_ours", cli=cli)
                        rows.append(report("ptb-busy" if busy else "ptb", f"ours, {label}", r, 5))
            for c in ("ptb", "ptb-busy"):
                for label in ("collector frozen at exit", "not frozen"):
                    mine = [r for r in rows if r["case"] == c and r["impl"] == f"ours, {label}"]
                    print(f"{c}, {label}: median {statistics.median(r['seconds'] for r in mine):.2f} s, of which "
                          f"{statistics.median(r['exit_s'] for r in mine):.2f} s after the last output", flush=True)
            continue
        corpus, epochs, min_count = setups[case.replace("-busy", "")]
        for _ in range(args.repeats):
            for impl, run in (("ours", run_ours), ("gensim", run_gensim)):
                if case.endswith("-busy"):
                    with Busy():
                        time.sleep(1)
                        r = run(corpus, epochs, min_count, args.work / f"out_{impl}")
                else:
                    r = run(corpus, epochs, min_count, args.work / f"out_{impl}")
                rows.append(report(case, impl, r, epochs))
    if args.output:
        args.output.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
