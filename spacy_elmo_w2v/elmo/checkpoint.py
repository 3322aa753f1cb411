"""The checkpoint of an unfinished ``pretrain-elmo`` run, and whether a new run may resume it.

The checkpoint lives at ``OUTPUT_DIR.partial/`` + :data:`CHECKPOINT` (the one
place its path is defined). Beside the training state it holds the run's
fingerprint: the config after overrides and a fingerprint of every input file
(:mod:`spacy_elmo_w2v.fingerprint`). ``--resume`` continues only a run with
the same fingerprint (settings that only say when to stop may differ) and
otherwise says what differs. No torch import at import time.
"""
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

from ..errors import UserInputError
from ..output import atomic_output_file, partial_dir

# Where an unfinished run keeps its state, relative to OUTPUT_DIR.partial.
CHECKPOINT = Path("checkpoint") / "elmo.pt"
# Settings of the pretraining section that a resumed run may change: they
# decide when to stop or what to print, not what is trained.
RESUMABLE_CHANGES = ("max_epochs", "max_minutes", "progress", "checkpoint_every_steps")


def checkpoint_path(output_dir: Union[str, Path]) -> Path:
    """Where the run writing ``output_dir`` keeps its checkpoint."""
    return partial_dir(output_dir) / CHECKPOINT


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def run_fingerprint(config: Mapping[str, Any], section: str, inputs: Mapping[str, Optional[Dict[str, str]]]) -> Dict[str, Any]:
    """What identifies a run: the (interpolated) config, flattened to dotted keys
    without the :data:`RESUMABLE_CHANGES` of ``section``, and the fingerprint of
    each input (``{"--paths.train": corpus_fingerprint(path), ...}``, see
    :mod:`..fingerprint`)."""
    skip = {f"{section}.{name}" for name in RESUMABLE_CHANGES}
    settings = {k: v for k, v in _flatten(config).items() if k not in skip}
    return {"config": settings, "inputs": dict(inputs)}


def fingerprint_differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> List[str]:
    """One line per difference between two :func:`run_fingerprint` results."""
    lines: List[str] = []
    old, new = saved.get("config", {}), current["config"]
    for key in sorted(old.keys() | new.keys()):
        if old.get(key, "<unset>") != new.get(key, "<unset>"):
            lines.append(f"{key}: {old.get(key, '<unset>')!r} -> {new.get(key, '<unset>')!r}")
    old_inputs = saved.get("inputs", {})
    for what, files in current["inputs"].items():
        if old_inputs.get(what) != files:
            lines.append(f"the files of {what} changed")
    return lines


def check_resumable(saved: Optional[Mapping[str, Any]], current: Mapping[str, Any], path: Path) -> None:
    """Raise :class:`UserInputError` when the checkpoint at ``path`` (fingerprint
    ``saved``) was written by a different run than ``current``."""
    differences = ["the checkpoint has no fingerprint"] if saved is None else fingerprint_differences(saved, current)
    if differences:
        raise UserInputError(
            f"Cannot --resume from {path}: it was written by a different run ({'; '.join(differences)}). "
            f"Rerun with that run's settings and files, or pass --restart instead of --resume to discard it and start over."
        )


def refuse_to_discard(path: Path) -> None:
    """Raise :class:`UserInputError`: a checkpoint exists and neither --resume nor --restart was given."""
    raise UserInputError(
        f"{path} holds the checkpoint of an unfinished run of this OUTPUT_DIR. Pass --resume to continue it, "
        f"or --restart to discard it and start over."
    )


def save_checkpoint(path: Path, **state: Any) -> None:
    """Write ``state`` with ``torch.save`` to ``path`` atomically (:func:`..output.atomic_output_file`:
    the earlier checkpoint stays whole until the new one is complete)."""
    import torch

    with atomic_output_file(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path) -> Dict[str, Any]:
    """The state :func:`save_checkpoint` wrote; :class:`UserInputError` when it is missing or unreadable."""
    import torch

    if not path.exists():
        raise UserInputError(
            f"--resume was given but there is no checkpoint at {path} (no unfinished run of this OUTPUT_DIR). "
            f"Run without --resume to start from scratch."
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:
        raise UserInputError(
            f"The checkpoint {path} cannot be read ({type(e).__name__}: {e}). Pass --restart instead of --resume to start over."
        ) from None

