"""Typed checks of settings, run before any data is read.

A pretraining command describes its settings section as a dataclass whose
field types (``int``, ``float``, ``bool``, ``str``, ``Optional[...]``) and
``metadata`` bounds (:func:`at_least`, :func:`above`) say what a value may
be; :func:`settings_from_section` checks every value against them, so
``--pretrain.max_epochs abc`` or ``1.5`` stops at once with one line instead
of a traceback after the corpus was read.
"""
import dataclasses
import math
import numbers
import typing
from typing import Any, Mapping, Optional, Tuple, Type, TypeVar

from .errors import UserInputError, did_you_mean

T = TypeVar("T")


def at_least(n: float) -> Any:
    """A settings dataclass field whose value must be >= ``n``."""
    return dataclasses.field(metadata={"min": n})


def above(n: float) -> Any:
    """A settings dataclass field whose value must be > ``n``."""
    return dataclasses.field(metadata={"above": n})


def describe(kind: type, minimum: Optional[float] = None, above: Optional[float] = None, below: Optional[float] = None) -> str:
    """What :func:`fits` admits, in words: ``"a number >= 0 and < 1"``."""
    text = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(kind, kind.__name__)
    bounds = [f">= {minimum}"] if minimum is not None else []
    bounds += [f"> {above}"] if above is not None else []
    bounds += [f"< {below}"] if below is not None else []
    return " ".join([text, " and ".join(bounds)]) if bounds else text


def _fits(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind is int:
        return isinstance(value, numbers.Integral)
    if kind is float:
        return isinstance(value, numbers.Real) and math.isfinite(value)
    return isinstance(value, kind)


def fits(
    value: Any, kind: type, minimum: Optional[float] = None, above: Optional[float] = None, below: Optional[float] = None
) -> bool:
    """Whether ``value`` is of ``kind`` (an ``int`` is no ``bool``, a ``float`` is finite) and within
    the bounds (``>= minimum``, ``> above``, ``< below``, each when given)."""
    return (
        _fits(value, kind)
        and (minimum is None or value >= minimum)
        and (above is None or value > above)
        and (below is None or value < below)
    )


def _unknown_key(section_name: str, key: str, names: typing.Collection[str]) -> str:
    """One unknown key of a section, with the setting it most resembles (a typo's fix), if any."""
    return f"unknown key {section_name}.{key}{did_you_mean(key, names, lambda name: f'{section_name}.{name}')}"


def check_value(
    name: str,
    value: Any,
    kind: type,
    minimum: Optional[float] = None,
    above: Optional[float] = None,
    optional: bool = False,
    below: Optional[float] = None,
) -> None:
    """Raise :class:`UserInputError` unless ``value`` is of ``kind`` and within the bounds
    (``>= minimum``, ``> above``, ``< below``, each when given).

    name: the dotted setting (``"pretrain.max_epochs"``), shown as an override
        the user can pass. ``optional`` admits None (``null`` in a config).
    """
    if value is None and optional:
        return
    if not fits(value, kind, minimum, above, below):
        wanted = describe(kind, minimum, above, below) + (" or null" if optional else "")
        raise UserInputError(f"--{name} must be {wanted}, not {value!r}. Fix it in the config or the override.")


def _field_kind(hint: Any) -> Tuple[type, bool]:
    """(type, optional) of a field annotation such as ``int`` or ``Optional[int]``."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Union and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return inner, True
    return hint, False


def settings_from_section(cls: Type[T], section: Mapping[str, Any], section_name: str, example_config: str) -> T:
    """An instance of the dataclass ``cls`` from a config section, every value checked.

    Raises :class:`UserInputError` for missing or unknown keys (naming
    ``example_config`` as the full list) and for a value of the wrong type or
    out of its bounds (see :func:`check_value`).
    """
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    missing, unknown = sorted(names - section.keys()), sorted(section.keys() - names)
    if missing or unknown:
        problems = [_unknown_key(section_name, key, names) for key in unknown]
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        raise UserInputError(
            f"The [{section_name}] section: {'; '.join(problems)}. See {example_config} for every setting."
        )
    hints = typing.get_type_hints(cls)
    for f in fields:
        kind, optional = _field_kind(hints[f.name])
        check_value(f"{section_name}.{f.name}", section[f.name], kind, f.metadata.get("min"), f.metadata.get("above"), optional)
    return cls(**section)
