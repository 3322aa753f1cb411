"""Exceptions raised for bad user input. Each message names the problem and the fix."""
import difflib
from typing import Callable, Iterable


class UserInputError(ValueError):
    """Bad input from the user (a file, a config value, an output path).

    The CLI prints these as a single error line without a traceback.
    """


class PeerProcessError(RuntimeError):
    """Another process of a multi-process run crashed, or did not answer within the timeout.

    Raised instead of hanging; the CLI prints it as one error line.
    """


def did_you_mean(word: str, choices: Iterable[str], spell: Callable[[str], str] = str) -> str:
    """`` (did you mean X?)`` for the choice most like a misspelt ``word`` (``spell`` writes it as the
    user would type it, e.g. as an override), or ``""`` when no choice is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {spell(close[0])}?)" if close else ""
