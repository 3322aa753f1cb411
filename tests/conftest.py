"""Shared fixtures: toy corpora, tiny configs, the shared PTB data."""
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
CONFIGS = ROOT / "configs"

ANIMALS = ["cat", "dog", "horse", "cow", "sheep"]
VEHICLES = ["car", "bus", "truck", "train", "tram"]
ANIMAL_CONTEXT = ["eats", "grass", "barn", "farm", "pet", "feeds"]
VEHICLE_CONTEXT = ["drives", "road", "wheels", "fuel", "garage", "parks"]
FILLER = ["the", "a", "near", "and", "then"]


def toy_sentences(n: int = 1500, seed: int = 0):
    """Sentences where animals share contexts with animals, vehicles with vehicles."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            words, ctx = ANIMALS, ANIMAL_CONTEXT
        else:
            words, ctx = VEHICLES, VEHICLE_CONTEXT
        sent = [rng.choice(FILLER), rng.choice(words), rng.choice(ctx), rng.choice(FILLER), rng.choice(ctx), rng.choice(words)]
        rng.shuffle(sent)
        out.append(sent)
    return out


@pytest.fixture(scope="session")
def toy_corpus_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("toy") / "toy.txt"
    path.write_text("\n".join(" ".join(s) for s in toy_sentences()) + "\n", encoding="utf8")
    return path


# Overrides that make the shipped skip-gram config train the toy corpus in seconds.
TOY_SKIPGRAM_OVERRIDES = {
    "components.skipgram_vectors.min_count": 1,
    "components.skipgram_vectors.subsample": 0.0,
    "components.skipgram_vectors.noise_samples": 32,
    "components.skipgram_vectors.model.width": 16,
    "pretrain.max_epochs": 8,
    "pretrain.batch_size": 256,
}


@pytest.fixture(scope="session")
def toy_skipgram_dir(tmp_path_factory, toy_corpus_path) -> Path:
    """A skip-gram pipeline trained on the toy corpus with the shipped config."""
    from spacy_elmo_w2v.skipgram.pretrain import pretrain_skipgram

    out = tmp_path_factory.mktemp("sg") / "toy_skipgram"
    pretrain_skipgram(
        CONFIGS / "skipgram.cfg",
        out,
        overrides={"paths.train": str(toy_corpus_path), **TOY_SKIPGRAM_OVERRIDES},
        progress=False,
    )
    return out


def run_python(code: str, timeout: float = 120, status: int = 0) -> str:
    """Run ``code`` in a fresh interpreter; assert it exits with ``status`` and return its stdout.

    For behaviour that needs a process of its own: forking workers, blocked
    imports, the process's exit. A hang fails the test through ``timeout``
    instead of blocking the run.
    """
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == status, result.stderr
    return result.stdout


def run_cli(*args, cwd=None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m spacy_elmo_w2v ARGS`` in a fresh interpreter (in ``cwd``); return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "spacy_elmo_w2v", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=timeout,
    )


def unwrapped(text: str) -> str:
    """``text`` with its line breaks and runs of spaces made single spaces.

    wasabi wraps messages at the terminal's width (80 columns without one),
    so a phrase can break anywhere, e.g. where a temp path is one character
    longer on another machine; compare messages through this.
    """
    return " ".join(text.split())


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    return path
