"""Shared CLI plumbing: the typer app, spaCy-style overrides, error reporting."""
import functools
from typing import Any, Callable, TypeVar

import typer
from wasabi import msg

from ..errors import PeerProcessError, UserInputError

app = typer.Typer(
    name="spacy_elmo_w2v",
    help="Train skip-gram and ELMo embeddings inside spaCy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Lets a command take dotted config overrides (--pretrain.max_epochs 1) as spaCy's do.
OVERRIDES_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}

F = TypeVar("F", bound=Callable[..., Any])


def reports_user_errors(func: F) -> F:
    """Turn :class:`UserInputError` and :class:`PeerProcessError` into one red error line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (UserInputError, PeerProcessError) as e:
            msg.fail(str(e), exits=1)

    return wrapper  # type: ignore[return-value]


def overrides_from(ctx: typer.Context) -> dict:
    """Dotted config overrides from a command's extra arguments (a bad one is a :class:`UserInputError`)."""
    from ..config import parse_overrides

    return parse_overrides(ctx.args)


@app.callback()
def _main() -> None:
    """Train skip-gram and ELMo embeddings inside spaCy."""
