"""What the project workflows change for smoke runs and for GPU vs CPU, in one place.

``project.yml`` holds the user-facing switches (``gpu_id``, ``smoke``, the
corpus paths, the package name); the model and training defaults live in the
complete ``configs/*.cfg`` files (the CPU presets). This module only says
which overrides of those configs make the GPU preset and which turn a full run
into a smoke run. Outside the workflow, apply them the same way, e.g.
``python scripts/pretrain.py elmo OUTPUT_DIR --gpu-id 0 --paths.train ...``,
or pass the ``GPU_OVERRIDES`` to ``python -m spacy_elmo_w2v pretrain-elmo``.
"""
from pathlib import Path
from typing import Dict, List

# Per pretraining command: its config, complete and CPU-sized.
CONFIGS: Dict[str, Path] = {"skipgram": Path("configs/skipgram.cfg"), "elmo": Path("configs/elmo.cfg")}

# On a CUDA machine: the GPU preset, as overrides of CONFIGS (spaCy-style dotted
# config overrides). ELMo: a bigger biLM trained longer (bf16 autocast on CUDA);
# targets PTB test perplexity <= 80. Skip-gram: the same settings on any device.
GPU_OVERRIDES: Dict[str, List[str]] = {
    "skipgram": [],
    "elmo": [
        "--components.elmo_vectors.model.hidden_size", "2048",
        "--components.elmo_vectors.model.projection_size", "512",
        "--components.elmo_vectors.model.dropout", "0.4",
        "--components.elmo_vectors.model.encoder.word_width", "512",
        "--pretrain.max_epochs", "25",
        "--pretrain.max_minutes", "0",
        "--pretrain.bptt", "70",
        "--pretrain.lr", "0.001",
        "--pretrain.lr_decay", "0.85",
    ],
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
