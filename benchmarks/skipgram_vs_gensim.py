"""Skip-gram on PTB: spacy-elmo-w2v against gensim 4, side by side in one run.

    pip install -e '.[benchmark]'
    python benchmarks/skipgram_vs_gensim.py [--train PTB_TRAIN] [--pairs WORDSIM] [--repeats 3]

Both train on the same corpus with the same hyperparameters, read from
configs/skipgram.cfg (width, window, negatives, min_count, subsampling t,
epochs; gensim with workers=2).
Runs alternate (ours, gensim, ours, ...), each in a fresh subprocess (torch's
and gensim's thread pools slow each other down when they share one), so that
load from other processes hits both alike; the table gives the best and the
median of the repeats.
Speed is corpus tokens per second: tokens of the raw corpus times epochs,
over the time from tokens in memory to trained vectors (vocabulary included).
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PROBES = ("chip", "intel", "stock", "monday")
CONFIG = ROOT / "configs" / "skipgram.cfg"


def read_settings(config_path: Path = CONFIG) -> Dict:
    """The hyperparameters both implementations use, read from a skip-gram config (the shipped one by default)."""
    from spacy.util import load_config

    cfg = load_config(config_path, interpolate=True)
    comp, training = cfg["components"]["skipgram_vectors"], cfg["pretrain"]
    return dict(
        width=comp["model"]["width"], window=comp["window"], negative=comp["negative"], min_count=comp["min_count"],
        subsample=comp["subsample"], noise_samples=comp["noise_samples"],
        noise_groups=comp["noise_groups"], epochs=training["max_epochs"],
        batch_size=training["batch_size"], learn_rate=training["learn_rate"], final_learn_rate=training["final_learn_rate"],
        sync_every=training["sync_every"],
    )


def run_ours(sentences: List[List[str]], seed: int, device: str) -> Tuple[float, float, Callable, Callable]:
    """Train with our trainer; return (seconds, train_seconds, similarity(a, b), neighbours(w, n))."""
    import torch

    from spacy_elmo_w2v.corpus import TokenizedCorpus, build_vocab, encode_corpus
    from spacy_elmo_w2v.idfile import IdFile
    from spacy_elmo_w2v.normalize import PTBNormalizer
    from spacy_elmo_w2v.skipgram.model import SkipGramModel
    from spacy_elmo_w2v.skipgram.train import train_skipgram

    hyper = read_settings()
    start = time.perf_counter()
    corpus = TokenizedCorpus([w for s in sentences for w in s], np.array([len(s) for s in sentences]))
    normalizer = PTBNormalizer()
    vocab = build_vocab(corpus, normalizer, hyper["min_count"])
    enc = encode_corpus(corpus, vocab, normalizer)
    dev = torch.device(device)
    torch.manual_seed(seed)
    model = SkipGramModel(len(vocab), hyper["width"]).to(dev)
    log = train_skipgram(
        model, IdFile(enc.ids, enc.offsets), vocab.counts, drop_id=vocab.unk_id, window=hyper["window"],
        negative=hyper["negative"], subsample=hyper["subsample"], max_epochs=hyper["epochs"],
        batch_size=hyper["batch_size"], noise_samples=hyper["noise_samples"], noise_groups=hyper["noise_groups"],
        learn_rate=hyper["learn_rate"], final_learn_rate=hyper["final_learn_rate"], sync_every=hyper["sync_every"],
        seed=seed, progress=False,
    )
    seconds = time.perf_counter() - start
    W = model.input.weight.detach().cpu().numpy()
    W = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)

    def similarity(a: str, b: str):
        if a in vocab.index and b in vocab.index and vocab.unk not in (a, b):
            return float(W[vocab.index[a]] @ W[vocab.index[b]])
        return None

    def neighbours(word: str, n: int = 5):
        sims = W @ W[vocab.index[word]]
        sims[[vocab.index[word], vocab.unk_id]] = -np.inf
        return [vocab.words[i] for i in np.argsort(-sims)[:n]]

    return seconds, log.seconds, similarity, neighbours


def run_gensim(sentences: List[List[str]], seed: int) -> Tuple[float, float, Callable, Callable]:
    """Train gensim's Word2Vec (skip-gram, workers=2) with the same hyperparameters."""
    from gensim.models import Word2Vec

    hyper = read_settings()
    start = time.perf_counter()
    model = Word2Vec(
        vector_size=hyper["width"], window=hyper["window"], negative=hyper["negative"],
        min_count=hyper["min_count"], sample=hyper["subsample"], sg=1, workers=2, seed=seed,
    )
    model.build_vocab(sentences)
    train_start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=hyper["epochs"])
    end = time.perf_counter()
    wv = model.wv

    def similarity(a: str, b: str):
        return float(wv.similarity(a, b)) if a in wv and b in wv else None

    def neighbours(word: str, n: int = 5):
        return [w for w, _ in wv.most_similar(word, topn=n)]

    return end - start, end - train_start, similarity, neighbours


def wordsim(similarity: Callable, pairs: List[Tuple[str, str, float]]) -> Tuple[float, int]:
    from spacy_elmo_w2v.similarity import spearman

    human, model = [], []
    for a, b, score in pairs:
        s = similarity(a.lower(), b.lower())
        if s is not None:
            human.append(score)
            model.append(s)
    return spearman(human, model), len(human)


def run_worker(name: str, train: Path, pairs_path: Path, seed: int, device: str) -> Dict:
    """Train one implementation once (in this process) and measure it."""
    from spacy_elmo_w2v.similarity import read_pairs

    sentences = [line.split() for line in train.read_text(encoding="utf8").splitlines() if line.strip()]
    if name == "ours":
        total, train_s, similarity, neighbours = run_ours(sentences, seed, device)
    else:
        total, train_s, similarity, neighbours = run_gensim(sentences, seed)
    rho, covered = wordsim(similarity, read_pairs(pairs_path))
    return {
        "n_tokens": sum(map(len, sentences)), "total": total, "train": train_s, "ws353": rho,
        "covered": covered, "neighbours": {w: neighbours(w) for w in PROBES},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, default=DATA / "ptb" / "ptb.train.txt")
    parser.add_argument("--pairs", type=Path, default=DATA / "eval" / "wordsim353.txt")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="torch device for ours (cpu, cuda)")
    parser.add_argument("--no-gensim", action="store_true", help="only ours (e.g. on a GPU machine without gensim)")
    parser.add_argument("--output", type=Path, help="write the results as JSON")
    parser.add_argument("--worker", choices=["ours", "gensim"], help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.train, args.pairs, args.seed, args.device)))
        return

    hyper = read_settings()
    names = {"ours": "spacy-elmo-w2v"}
    if not args.no_gensim:
        names["gensim"] = "gensim 4 (workers=2)"
    results: Dict[str, Dict] = {key: {"total": [], "train": [], "ws353": []} for key in names}
    for rep in range(args.repeats):
        for key, label in names.items():
            cmd = [sys.executable, __file__, "--worker", key, "--seed", str(rep), "--train", str(args.train),
                   "--pairs", str(args.pairs), "--device", args.device]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
            r = results[key]
            for field in ("total", "train", "ws353"):
                r[field].append(out[field])
            r.update(covered=out["covered"], neighbours=out["neighbours"], n_tokens=out["n_tokens"])
            print(f"[{rep + 1}/{args.repeats}] {label}: {out['n_tokens'] * hyper['epochs'] / out['total']:,.0f} "
                  f"tokens/s, {out['total']:.2f}s, WordSim-353 rho {out['ws353']:.3f}", flush=True)

    n_tokens = results["ours"]["n_tokens"]
    work = n_tokens * hyper["epochs"]
    print(f"\nPTB train: {n_tokens:,} tokens x {hyper['epochs']} epochs, {args.repeats} repeats each\n")
    print("| implementation | corpus tokens/s (best) | tokens/s (median) | seconds (median) | WordSim-353 rho (mean) | pairs covered |")
    print("|---|---|---|---|---|---|")
    for key, r in results.items():
        print(f"| {names[key]} | {work / min(r['total']):,.0f} | {work / statistics.median(r['total']):,.0f} | "
              f"{statistics.median(r['total']):.2f} | {statistics.mean(r['ws353']):.3f} | {r['covered']} |")
    if "gensim" in results:
        ours, theirs = results["ours"], results["gensim"]
        print(f"\nspeed ratio ours/gensim: best {min(theirs['total']) / min(ours['total']):.2f}x, "
              f"median {statistics.median(theirs['total']) / statistics.median(ours['total']):.2f}x")
    print("\nNearest neighbours (last repeat):\n")
    print("| word | " + " | ".join(names[k] for k in results) + " |")
    print("|---|" + "---|" * len(results))
    for w in PROBES:
        print(f"| {w} | " + " | ".join(", ".join(r["neighbours"][w]) for r in results.values()) + " |")
    if args.output:
        args.output.write_text(json.dumps({"n_tokens": n_tokens, "results": results}, indent=2))


if __name__ == "__main__":
    main()
