"""Loading a pipeline a user pointed at, with errors that say which argument was wrong. No torch import."""
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from spacy.language import Language

from .errors import UserInputError


def load_pipeline(name_or_path: Union[str, Path], what: str = "MODEL", made_by: str = "a pretrain command") -> Language:
    """``spacy.load(name_or_path)`` (a path or an installed package name).

    Raises :class:`UserInputError` naming ``what`` (e.g. "--paths.vectors")
    and the command that makes such a pipeline (``made_by``) when the path is
    missing, is an unfinished ``.partial`` run, or does not load.
    """
    import spacy

    text = str(name_or_path)
    path = Path(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or text.startswith(".")
    if path.name.endswith(".partial") or (path.is_dir() and not (path / "config.cfg").exists()):
        raise UserInputError(
            f"{what} {path} is not a finished pipeline (no config.cfg). Give the output directory of a "
            f"completed run of {made_by}."
        )
    if looks_like_path and not path.exists():
        raise UserInputError(f"{what} {path} does not exist. Give the output directory of {made_by}.")
    try:
        return spacy.load(name_or_path)
    except Exception as e:
        raise UserInputError(
            f"{what} {text} is not a spaCy pipeline that spacy.load can load ({type(e).__name__}: {e}). "
            f"Give the output directory of {made_by}, or an installed pipeline package."
        ) from None


@contextmanager
def reading(path: Union[str, Path]) -> Iterator[Path]:
    """Turn any error raised while the block reads or decodes ``path`` into a
    :class:`UserInputError` that names the file and the fix (a component's
    ``from_disk`` reads each of its files inside one of these)."""
    path = Path(path)
    try:
        yield path
    except UserInputError:
        raise
    except FileNotFoundError:
        raise UserInputError(
            f"{path} is missing: the pipeline is incomplete. Copy the whole pipeline directory again, or re-create it."
        ) from None
    except Exception as e:
        raise UserInputError(
            f"{path} is corrupt or was not written by this component ({type(e).__name__}: {e}). "
            f"Restore it from the original pipeline, or re-create the pipeline."
        ) from None
