"""Loading pipelines with errors that say what to do."""
from pathlib import Path

from spacy.language import Language

from .errors import UserInputError


def load_pipeline(name_or_path: str) -> Language:
    """``spacy.load`` with a clear error for a missing or unfinished pipeline."""
    import spacy

    path = Path(name_or_path)
    if path.suffix == ".partial" or (path.exists() and not (path / "config.cfg").exists()):
        raise UserInputError(
            f"{path} is not a finished pipeline (no config.cfg). Point to the OUTPUT_DIR of a completed run."
        )
    if not path.exists() and ("/" in name_or_path or name_or_path.startswith(".")):
        raise UserInputError(f"Pipeline not found: {path}. Train one with `python -m spacy_elmo_w2v pretrain-skipgram`.")
    try:
        return spacy.load(name_or_path)
    except OSError as e:
        raise UserInputError(f"Cannot load pipeline {name_or_path!r}: {e}") from None
