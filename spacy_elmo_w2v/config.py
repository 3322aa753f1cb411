"""Loading pretraining configs (spaCy config format) with CLI overrides."""
from pathlib import Path
from typing import Any, Dict, List, Union

from thinc.api import Config

from .errors import UserInputError

# Sections that belong to our pretraining loops, not to the spaCy pipeline.
PRETRAIN_SECTIONS = ("training",)


def load_config(path: Union[str, Path], overrides: Dict[str, Any]) -> Config:
    """Read a ``.cfg`` file and apply dotted overrides (``{"training.max_epochs": 1}``).

    Raises :class:`UserInputError` for a missing file or an override that
    names no existing section.
    """
    from spacy.util import load_config as spacy_load_config

    path = Path(path)
    if not path.exists():
        raise UserInputError(f"Config file not found: {path}. The shipped configs are in configs/.")
    try:
        return spacy_load_config(path, overrides=overrides, interpolate=False)
    except Exception as e:  # ConfigValidationError, parser errors
        raise UserInputError(f"Cannot load config {path}: {e}") from None


def pipeline_config(config: Config) -> Config:
    """The part of the config that describes the spaCy pipeline (no [training])."""
    return Config({k: v for k, v in config.items() if k not in PRETRAIN_SECTIONS})


def parse_overrides(args: List[str]) -> Dict[str, Any]:
    """Parse ``--section.key value`` pairs the way spaCy's CLI does (see :mod:`.overrides`).

    ``["--training.max_epochs", "1", "--paths.train=t.txt"]`` ->
    ``{"training.max_epochs": 1, "paths.train": "t.txt"}``.
    """
    from .overrides import parse_overrides_with_env

    return parse_overrides_with_env(args)
