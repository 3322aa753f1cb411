"""What the project workflows change for smoke runs and for GPU vs CPU, in one place.

``project.yml`` holds the user-facing switches (``gpu_id``, ``smoke``, the
corpus paths, the package name); the model and training defaults live in the
``configs/*.cfg`` files. This module only says which config a machine gets
and which overrides turn a full run into a smoke run.
"""
from pathlib import Path
from typing import Dict, List

# Per pretraining command: the config for a CPU and for a CUDA machine.
CONFIGS: Dict[str, Dict[str, Path]] = {
    "skipgram": {"cpu": Path("configs/skipgram.cfg"), "gpu": Path("configs/skipgram.cfg")},
    "elmo": {"cpu": Path("configs/elmo.cfg"), "gpu": Path("configs/elmo_gpu.cfg")},
}

# Smoke runs: the first lines of each split of the corpus.
SMOKE_LINES: Dict[str, int] = {"train": 4000, "dev": 400, "test": 400}

# Smoke runs: small models, one epoch (spaCy-style dotted config overrides).
SMOKE_OVERRIDES: Dict[str, List[str]] = {
    "skipgram": [
        "--pretrain.max_epochs", "1",
        "--components.skipgram_vectors.min_count", "5",
        "--components.skipgram_vectors.model.width", "48",
    ],
    "elmo": [
        "--pretrain.max_epochs", "1",
        "--pretrain.max_minutes", "2",
        "--pretrain.batch_size", "32",
        "--components.elmo_vectors.model.hidden_size", "64",
        "--components.elmo_vectors.model.projection_size", "32",
    ],
}


# The downstream workflow (UD English-EWT taggers), smoke runs: the first
# sentences of each split, and a few training steps.
SMOKE_SENTENCES: Dict[str, int] = {"train": 300, "dev": 100, "test": 100}
SMOKE_TAGGER_OVERRIDES: List[str] = ["--training.max_steps", "20", "--training.eval_frequency", "10"]


def parse_bool(value: str) -> bool:
    """``"true"``/``"True"``/``"1"``/``"yes"`` -> True, ``"false"``/``"0"``/``"no"`` -> False.

    project.yml substitutes booleans into command lines as text; this reads them back.
    """
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")
