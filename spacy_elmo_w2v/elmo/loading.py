"""Loading a pipeline a user pointed at, with errors that say which argument was wrong. No torch import."""
from pathlib import Path
from typing import Union

from ..errors import UserInputError


def load_pipeline(path: Union[str, Path], what: str, made_by: str):
    """``spacy.load(path)``; :class:`UserInputError` naming ``what`` (e.g. "--paths.vectors")
    and the command that makes such a pipeline (``made_by``) when it fails."""
    import spacy

    path = Path(path)
    if not path.exists():
        raise UserInputError(f"{what} {path} does not exist. Give the output directory of {made_by}.")
    try:
        return spacy.load(path)
    except Exception as e:
        raise UserInputError(
            f"{what} {path} is not a spaCy pipeline that spacy.load can load ({type(e).__name__}: {e}). "
            f"Give the output directory of {made_by}."
        ) from None
