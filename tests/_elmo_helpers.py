"""Shared helpers for the ELMo tests: tiny configs, toy corpora, tiny trained pipelines."""
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import spacy
from spacy.language import Language
from spacy.training import Example

REPO = Path(__file__).parents[1]
CONFIG = REPO / "configs" / "elmo.cfg"
SHARED_DATA = REPO / ".." / "shared" / "data"

TOY_TEXTS: List[str] = [
    "the cat sat on the mat .",
    "the dog sat on the log .",
    "a cat saw a dog near the mat .",
    "the bank raised interest rates in N .",
    "she sat on the river bank and watched the water .",
    "the stock market fell sharply on monday .",
] * 4

TINY_MODEL = {
    "hidden_size": 24,
    "projection_size": 12,
    "n_layers": 2,
    "dropout": 0.0,
}


def tiny_overrides(prefix: str = "components.elmo_vectors.") -> Dict[str, object]:
    """Dotted config overrides that make the biLM tiny (a few thousand parameters)."""
    out: Dict[str, object] = {f"{prefix}model.{k}": v for k, v in TINY_MODEL.items()}
    out[f"{prefix}model.encoder.word_width"] = 12
    return out


def tiny_pipe_config(**component: object) -> Dict[str, object]:
    """An ``nlp.add_pipe("elmo_vectors", config=...)`` config for a tiny biLM
    (writing the average of its layers to ``doc.tensor`` unless ``output`` is given)."""
    config: Dict[str, object] = {"model": {**TINY_MODEL, "encoder": {"word_width": 12}}, "output": "average"}
    config.update(component)
    return config


def tiny_nlp(nlp: Optional[Language] = None, seed: int = 0, **component: object) -> Language:
    """A blank English pipeline with an initialized tiny ``elmo_vectors`` (trained on nothing)."""
    from thinc.api import fix_random_seed

    nlp = nlp or spacy.blank("en")
    nlp.add_pipe("elmo_vectors", config=tiny_pipe_config(**component))
    fix_random_seed(seed)
    nlp.initialize(lambda: [Example(nlp.make_doc(t), nlp.make_doc(t)) for t in TOY_TEXTS])
    return nlp


def toy_tag(word: str) -> str:
    """A part-of-speech-like tag of a toy word, for training taggers on the toy texts."""
    return "DET" if word in ("the", "a") else "PUNCT" if word == "." else "LONG" if len(word) > 3 else "SHORT"


def write_toy_corpus(path: Path, n_repeats: int = 1) -> Path:
    """Write the toy texts, one per line, and return the path."""
    path.write_text("\n".join(TOY_TEXTS * n_repeats) + "\n", encoding="utf8")
    return path


def tiny_training(train: Path, dev: Path, epochs: int = 2) -> dict:
    """Config overrides: a tiny biLM trained for ``epochs`` on the given files, in seconds."""
    overrides = {
        "paths.train": str(train),
        "paths.dev": str(dev),
        "pretrain.max_epochs": epochs,
        "pretrain.batch_size": 4,
        "pretrain.bptt": 8,
        "pretrain.eval_batch_size": 2,
        "pretrain.lr": 0.01,
        "pretrain.progress": False,
    }
    overrides.update(tiny_overrides())
    return overrides


def cli_args(overrides: dict) -> List[str]:
    """Overrides as command-line arguments (``--key value``)."""
    args: List[str] = []
    for key, value in overrides.items():
        args += [f"--{key}", str(value).lower() if isinstance(value, bool) else str(value)]
    return args


def interrupted_run(root: Path) -> Tuple[Path, dict]:
    """Run ELMo pretraining on toy files in ``root`` and interrupt it after its
    first epoch; return its OUTPUT_DIR (whose .partial holds the checkpoint) and overrides."""
    from spacy_elmo_w2v.elmo.checkpoint import checkpoint_path
    from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo

    train, dev = write_toy_corpus(root / "train.txt", 2), write_toy_corpus(root / "dev.txt")
    overrides = tiny_training(train, dev, epochs=1)

    def crash(self, *args, **kwargs):
        raise KeyboardInterrupt("simulated interruption")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spacy.language.Language, "to_disk", crash)
        with pytest.raises(KeyboardInterrupt):
            pretrain_elmo(CONFIG, root / "elmo", overrides)
    assert checkpoint_path(root / "elmo").exists()
    return root / "elmo", overrides
