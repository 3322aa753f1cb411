"""Benchmark the ELMo biLM against plain PyTorch, full vs adaptive softmax, and nlp.pipe speed.

    python benchmarks/bilm.py [--config configs/elmo.cfg] [--data ../shared/data/ptb]
        [--steps 20] [--budget 60] [--model TRAINED_PIPELINE]

Sizes come from the config (the CPU preset by default). Prints three
markdown tables:

1. training and inference tokens/s of our ``BiLM`` (our LSTM stacks, residual
   connections, dropout, batching, shared head) against a plain PyTorch loop
   of the same size (``nn.Embedding`` -> ``nn.LSTM(num_layers=L)`` per direction
   -> the same head), measured alternately so load from other processes hits
   both alike;
2. full vs adaptive softmax: tokens/s and dev perplexity after training each
   for the same wall-clock budget with our training loop;
3. ``nlp.pipe`` words/s with ``elmo_vectors`` on the CPU (PTB test sentences).
"""
import argparse
import statistics
import sys
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Callable, List

import numpy as np
import spacy
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from spacy_elmo_w2v.config import load_config, pipeline_config  # noqa: E402
from spacy_elmo_w2v.corpus import read_corpus  # noqa: E402
from spacy_elmo_w2v.elmo.batching import stream_batches  # noqa: E402
from spacy_elmo_w2v.elmo.bilm import BiLM, build_bilm  # noqa: E402
from spacy_elmo_w2v.elmo.heads import build_head  # noqa: E402
from spacy_elmo_w2v.elmo.lm_data import stream_ids  # noqa: E402
from spacy_elmo_w2v.elmo.objective import evaluate_stream  # noqa: E402
from spacy_elmo_w2v.elmo.optim import make_adam  # noqa: E402
from spacy_elmo_w2v.elmo.settings import TrainingSettings  # noqa: E402
from spacy_elmo_w2v.elmo.spec import BiLMSpec  # noqa: E402
from spacy_elmo_w2v.elmo.train import train_epoch  # noqa: E402

CPU = torch.device("cpu")


class PlainBiLSTM(nn.Module):
    """The plain PyTorch baseline: one embedding, one multi-layer nn.LSTM per direction, the same head.

    The same function as our BiLM but for the residual connections (a fused
    multi-layer nn.LSTM has none), so the difference is the cost of our wrapping.
    """

    def __init__(self, spec: BiLMSpec, n_words: int) -> None:
        super().__init__()
        width = spec.width
        proj = width if width != spec.hidden_size else 0
        self.embed = nn.Embedding(n_words, width)
        self.fwd = nn.LSTM(width, spec.hidden_size, spec.n_layers, batch_first=True, proj_size=proj, dropout=spec.dropout)
        self.bwd = nn.LSTM(width, spec.hidden_size, spec.n_layers, batch_first=True, proj_size=proj, dropout=spec.dropout)
        self.head = build_head(spec.head, width, n_words, None)
        self.dropout = nn.Dropout(spec.dropout)  # same dropout places as ours: input, between layers, output

    def loss(self, batch) -> torch.Tensor:
        f, _ = self.fwd(self.dropout(self.embed(batch.fwd_inputs)))
        b, _ = self.bwd(self.dropout(self.embed(batch.bwd_inputs)))
        f, b = self.dropout(f), self.dropout(b)
        width = f.shape[-1]
        n = batch.fwd_targets.numel()
        nll = self.head.nll(f.reshape(-1, width), batch.fwd_targets.reshape(-1)) + self.head.nll(b.reshape(-1, width), batch.bwd_targets.reshape(-1))
        return nll / (2 * n)

    def layers(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embed(ids)
        f, _ = self.fwd(x)
        b, _ = self.bwd(x.flip(1))
        return torch.cat([f, b.flip(1)], dim=-1)


def rate(step: Callable[[], None], tokens: int, steps: int) -> float:
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return tokens * steps / (time.perf_counter() - start)


def alternate(a: Callable[[], float], b: Callable[[], float], rounds: int = 3):
    ra, rb = [], []
    for _ in range(rounds):
        ra.append(a())
        rb.append(b())
    return statistics.median(ra), statistics.median(rb)


def train_step(model: nn.Module, loss_fn, batch, optimizer) -> Callable[[], None]:
    def step() -> None:
        loss = loss_fn(batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    return step


def wrapping_cost(spec: BiLMSpec, n_words: int, ids: np.ndarray, batch_size: int, bptt: int, steps: int) -> List[str]:
    torch.manual_seed(0)
    ours = BiLM(spec, n_words).train()
    plain = PlainBiLSTM(spec, n_words).train()
    batch = next(stream_batches(ids, batch_size, bptt))
    tokens = batch.fwd_targets.numel()
    ours_opt, plain_opt = torch.optim.Adam(ours.parameters()), torch.optim.Adam(plain.parameters())
    ours_train = train_step(ours, lambda b: ours.lm_output(b).loss(), batch, ours_opt)
    plain_train = train_step(plain, plain.loss, batch, plain_opt)
    t_ours, t_plain = alternate(lambda: rate(ours_train, tokens, steps), lambda: rate(plain_train, tokens, steps))
    ours.eval(), plain.eval()

    def infer(fn):
        def step():
            with torch.no_grad():
                fn(batch.fwd_inputs)
        return step

    i_ours, i_plain = alternate(lambda: rate(infer(ours.layers), tokens, steps), lambda: rate(infer(plain.layers), tokens, steps))
    return [
        "| | ours (BiLM) tokens/s | plain nn.LSTM tokens/s | ours / plain |",
        "|---|---:|---:|---:|",
        f"| training | {t_ours:,.0f} | {t_plain:,.0f} | {t_ours / t_plain:.2f} |",
        f"| inference | {i_ours:,.0f} | {i_plain:,.0f} | {i_ours / i_plain:.2f} |",
    ]


def softmax_comparison(spec: BiLMSpec, words: List[str], train_ids, dev_ids, settings: TrainingSettings, budget: float) -> List[str]:
    rows = ["| softmax | training tokens/s | tokens seen | dev perplexity (mean fwd/bwd) |", "|---|---:|---:|---:|"]
    for kind in ("full", "adaptive"):
        torch.manual_seed(0)
        bilm = build_bilm(replace(spec, head=replace(spec.head, kind=kind, tie_embeddings=False)), words)
        optimizer = make_adam(bilm.parameters(), settings.lr)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
        epoch = train_epoch(bilm, train_ids, settings, optimizer, scheduler, CPU, nullcontext, None, time.perf_counter() + budget, kind)
        ppl = evaluate_stream(bilm, dev_ids, settings.eval_batch_size, settings.bptt, CPU)
        rows.append(f"| {kind} | {epoch.tokens / epoch.seconds:,.0f} | {epoch.tokens:,} | {ppl.mean:.1f} |")
    return rows


def pipe_speed(nlp, texts: List[str]) -> List[str]:
    list(nlp.pipe(texts[:64]))  # warm-up
    start = time.perf_counter()
    n_words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=256))
    elapsed = time.perf_counter() - start
    return ["| | words | seconds | words/s |", "|---|---:|---:|---:|", f"| nlp.pipe (elmo_vectors, CPU) | {n_words:,} | {elapsed:.1f} | {n_words / elapsed:,.0f} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "elmo.cfg")
    parser.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data" / "ptb")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per throughput measurement")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds of training per softmax kind")
    parser.add_argument("--dev-sentences", type=int, default=1000, help="dev sentences for the softmax comparison")
    parser.add_argument("--pipe-sentences", type=int, default=3000, help="PTB test sentences for nlp.pipe")
    parser.add_argument("--model", type=Path, default=None, help="a trained elmo pipeline for nlp.pipe (default: untrained, same size)")
    args = parser.parse_args()

    config = load_config(args.config, {})
    settings = TrainingSettings.from_config({**dict(config.interpolate()["pretrain"]), "train": "-", "dev": "-", "progress": False})
    nlp = spacy.util.load_model_from_config(pipeline_config(config), auto_fill=True)
    pipe = nlp.get_pipe("elmo_vectors")
    train = read_corpus(args.data / "ptb.train.txt")
    dev = read_corpus(args.data / "ptb.valid.txt").head(args.dev_sentences)
    vocab = pipe.build_vocabulary(train)
    train_ids = stream_ids(train, vocab, pipe.normalizer)
    dev_ids = stream_ids(dev, vocab, pipe.normalizer)
    spec = pipe.spec
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; config {args.config.name}: "
          f"{spec.n_layers} layers, hidden {spec.hidden_size}, projection {spec.projection_size}, head {spec.head.kind}, "
          f"batch {settings.batch_size} x bptt {settings.bptt}\n")

    print("### Cost of our wrapping (same sizes)\n")
    print("\n".join(wrapping_cost(spec, len(vocab), train_ids, settings.batch_size, settings.bptt, args.steps)) + "\n")

    print(f"### Full vs adaptive softmax ({args.budget:.0f} s of training each, dev = first {args.dev_sentences} PTB valid sentences)\n")
    print("\n".join(softmax_comparison(spec, vocab.words, train_ids, dev_ids, settings, args.budget)) + "\n")

    if args.model is not None:
        nlp = spacy.load(args.model)
    else:
        pipe.initialize_from_vocabulary(vocab)
    texts = [" ".join(s) for s in read_corpus(args.data / "ptb.test.txt").head(args.pipe_sentences).sentences()]
    print("### nlp.pipe\n")
    print("\n".join(pipe_speed(nlp, texts)))


if __name__ == "__main__":
    main()
