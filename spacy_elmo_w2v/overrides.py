"""Dotted config overrides from command-line arguments, read the way spaCy's CLI reads them.

``--section.key value``, ``--section.key=value`` and a bare ``--section.key``
(a flag: ``true``) become ``{"section.key": value}``. Values are read as JSON
where they are JSON (``1``, ``0.5``, ``true``, ``null``, ``[1, 2]``,
``"text"``) and kept as text otherwise (``corpus/train.txt``). Overrides in
the ``SPACY_CONFIG_OVERRIDES`` environment variable apply too and win over the
command line, as in spaCy. Our own parser: spaCy's is in a private module.
"""
import os
import shlex
from typing import Any, Dict, List

import srsly

from .errors import UserInputError

#: The environment variable spaCy reads config overrides from.
ENV_VAR = "SPACY_CONFIG_OVERRIDES"


def parse_value(text: str) -> Any:
    """``text`` read as JSON (``"1"`` -> 1, ``"true"`` -> True), or ``text`` itself when it is not JSON."""
    try:
        return srsly.json_loads(text)
    except ValueError:
        return text


def parse_override_args(args: List[str]) -> Dict[str, Any]:
    """``["--a.b", "1", "--c.d=x", "--e.f"]`` -> ``{"a.b": 1, "c.d": "x", "e.f": True}``.

    Raises :class:`UserInputError` for an argument that does not start with
    ``--`` or names no section (``--epochs``: there are no top-level settings).
    """
    result: Dict[str, Any] = {}
    args = list(args)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--"):
            raise UserInputError(f"Invalid config override {arg!r}: it should start with --, as in --pretrain.max_epochs 1.")
        name, eq, value = arg[2:].partition("=")
        if "." not in name:
            raise UserInputError(
                f"Invalid config override {arg!r}: name a setting inside a section, as in --pretrain.max_epochs 1."
            )
        if not eq:
            value = "true" if not args or args[0].startswith("--") else args.pop(0)
        result[name] = parse_value(value)
    return result


def parse_overrides_with_env(args: List[str]) -> Dict[str, Any]:
    """The command line's overrides, updated by those in ``$SPACY_CONFIG_OVERRIDES`` (which win)."""
    env = parse_override_args(shlex.split(os.environ.get(ENV_VAR, "")))
    return {**parse_override_args(args), **env}
