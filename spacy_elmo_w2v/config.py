"""Loading pretraining configs (spaCy config format) with CLI overrides."""
from pathlib import Path
from typing import Any, Dict, List, Union

from thinc.api import Config

from .errors import UserInputError, did_you_mean

# The section that belongs to our pretraining loops, not to the spaCy pipeline.
# spaCy reserves [training], [pretraining], [initialize] and [corpora] for its
# own loops (`spacy init fill-config` rewrites them), so ours has its own name.
PRETRAIN_SECTION = "pretrain"
PRETRAIN_SECTIONS = (PRETRAIN_SECTION,)
# Earlier releases called it [training]: `--training.x` overrides still work.
LEGACY_OVERRIDE_PREFIX = "training."


def load_config(path: Union[str, Path], overrides: Dict[str, Any]) -> Config:
    """Read a ``.cfg`` file and apply dotted overrides (``{"pretrain.max_epochs": 1}``).

    ``training.x`` overrides are read as ``pretrain.x`` (the section's old name).
    Raises :class:`UserInputError` for a missing file or an override that
    names no existing section.
    """
    from spacy.util import load_config as spacy_load_config

    overrides = _renamed_legacy_overrides(overrides)
    path = Path(path)
    if not path.exists():
        raise UserInputError(f"Config file not found: {path}. The shipped configs are in configs/.")
    try:
        return spacy_load_config(path, overrides=overrides, interpolate=False)
    except Exception as e:  # ConfigValidationError, parser errors
        raise UserInputError(f"Cannot load config {path}: {e}{_misspelt_sections(path, overrides)}") from None


def _misspelt_sections(path: Path, overrides: Dict[str, Any]) -> str:
    """For each override whose section the config at ``path`` lacks, the existing section it most resembles
    (`` (did you mean --pretrain.max_epochs?)``); empty when there is none or the config does not parse."""
    from spacy.util import dict_to_dot, load_config as spacy_load_config

    try:
        config = spacy_load_config(path, interpolate=False)
    except Exception:
        return ""
    sections = {setting.rpartition(".")[0] for setting in dict_to_dot(config)}  # those that hold settings
    hints = []
    for key in overrides:
        section, _, setting = key.rpartition(".")
        if section and section not in sections:
            hints.append(did_you_mean(section, sections, lambda name: f"--{name}.{setting}"))
    return "".join(hints)


def _renamed_legacy_overrides(overrides: Dict[str, Any]) -> Dict[str, Any]:
    """``{"training.max_epochs": 1}`` -> ``{"pretrain.max_epochs": 1}``; other keys unchanged."""
    prefix = LEGACY_OVERRIDE_PREFIX
    return {
        (f"{PRETRAIN_SECTION}.{key[len(prefix):]}" if key.startswith(prefix) else key): value
        for key, value in overrides.items()
    }


def pretrain_section(config: Config, config_path: Union[str, Path]) -> Dict[str, Any]:
    """The resolved ``[pretrain]`` section of an interpolated config.

    Raises :class:`UserInputError` naming the fix when it is missing (for
    example a config written before the section was renamed from [training]).
    """
    if PRETRAIN_SECTION not in config:
        hint = " (it was called [training] in earlier releases: rename it)" if "training" in config else ""
        raise UserInputError(
            f"{config_path} has no [{PRETRAIN_SECTION}] section{hint}; start from the configs in configs/."
        )
    return dict(config[PRETRAIN_SECTION])


def pipeline_config(config: Config) -> Config:
    """The part of the config that describes the spaCy pipeline (no [pretrain])."""
    return Config({k: v for k, v in config.items() if k not in PRETRAIN_SECTIONS})


def parse_overrides(args: List[str]) -> Dict[str, Any]:
    """Parse ``--section.key value`` pairs the way spaCy's CLI does (see :mod:`.overrides`).

    ``["--pretrain.max_epochs", "1", "--paths.train=t.txt"]`` ->
    ``{"pretrain.max_epochs": 1, "paths.train": "t.txt"}``.
    """
    from .overrides import parse_overrides_with_env

    return parse_overrides_with_env(args)


def system_seed(config: Config) -> int:
    """The run's one seed, ``[system] seed`` (the components' ``seed = ${system.seed}`` follow it).

    Both pretraining commands seed everything from it; under ``torchrun`` each
    rank derives its sampling seed from it (``distributed.rank_seed``).
    """
    seed = config.get("system", {}).get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UserInputError(f"[system] seed must be an integer >= 0, not {seed!r}: set it with --system.seed N.")
    return seed


def reject_pretrain_seed(section: Dict[str, Any]) -> None:
    """:class:`UserInputError` for a ``seed`` in the pretraining section: the seed is ``[system] seed``."""
    if "seed" in section:
        raise UserInputError(
            f"[{PRETRAIN_SECTION}] seed is no longer read: the run's seed is [system] seed. "
            f"Remove it and set --system.seed N."
        )
