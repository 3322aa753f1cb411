"""Finding our components in a pipeline, and building a pipeline from a config."""
import inspect
from typing import Any, List, Optional, Tuple

from catalogue import RegistryError
from spacy.language import Language
from spacy.util import registry
from thinc.api import Config

from .config import pipeline_config
from .errors import UserInputError, did_you_mean


def find_pipe(nlp: Language, factory: str, name: Optional[str] = None, *, made_by: Optional[str] = None) -> Tuple[str, Any]:
    """The (name, component) of the first pipe made by ``factory``, whatever it is called;
    with ``name``, the pipe of that name, which must be made by ``factory``.

    Raises :class:`UserInputError` if the pipeline has no such pipe; ``made_by``
    (a command, e.g. ``"pretrain-skipgram"``) names what writes a pipeline
    that has one, for a pipeline loaded from disk.
    """
    for pipe_name, pipe in nlp.pipeline:
        if nlp.get_pipe_meta(pipe_name).factory == factory and name in (None, pipe_name):
            return pipe_name, pipe
    if name is not None:
        raise UserInputError(
            f"The pipeline has no {factory!r} component called {name!r} (it has: {', '.join(nlp.pipe_names) or 'none'}). "
            f"Leave the name out to use the first {factory!r} component."
        )
    fix = (
        f"Give a pipeline written by `python -m spacy_elmo_w2v {made_by}`."
        if made_by
        else f"Add one with nlp.add_pipe({factory!r}) or use a config whose [nlp] pipeline lists it."
    )
    raise UserInputError(f"The pipeline has no {factory!r} component (it has: {', '.join(nlp.pipe_names) or 'none'}). {fix}")


def nlp_from_config(config: Config) -> Language:
    """Build (not initialize) the spaCy pipeline that a pretraining config describes."""
    from spacy.util import load_model_from_config

    try:
        return load_model_from_config(pipeline_config(config), auto_fill=True, validate=True)
    except UserInputError:
        raise
    except Exception as e:  # config validation errors carry their own explanation
        raise UserInputError(f"The config does not describe a valid pipeline: {_one_line(e, config)}") from None


def _one_line(error: Exception, config: Config) -> str:
    """A config validation error as one line: each wrong setting (as an override) with what is wrong,
    and for a misspelt setting of a component or of a function its config names (an architecture),
    the setting it most resembles.

    confection 1.x (spaCy 3.8.18) names a component's section in the error's title and in each
    problem's ``loc``; confection 0.1.x (older spaCy 3.8) puts it in the error's ``parent``, with
    each ``loc`` relative to it, and reports a misspelt setting as pydantic's ``value_error.extra``."""
    problems = getattr(error, "errors", None) or []
    if not problems:
        return " ".join(str(error).split())
    parent = getattr(error, "parent", None)
    titled = "Config error for '" in (getattr(error, "title", "") or "")
    in_component = titled or (parent or "").split(".")[0] in config.get("components", {})
    prefix = "components." if in_component else ""
    wrong = []
    for problem in problems:
        loc = [*([parent] if parent else []), *(str(part) for part in problem.get("loc", []))]
        path = ".".join(loc).split(".")  # spaCy gives a nested section as one dotted part
        extra = problem.get("type") == "value_error.extra"  # confection 0.1.x: "extra fields not permitted"
        msg = f"unexpected argument: {path[-1]!r}" if extra else problem.get("msg", "").replace("at root: ", "")
        text = f"--{prefix}{'.'.join(loc)}: {msg}"
        if prefix and len(path) >= 2 and "unexpected argument" in msg:
            section = ".".join(path[:-1])
            text += did_you_mean(path[-1], _settings_of(config, path[:-1]), lambda name: f"--components.{section}.{name}")
        wrong.append(text)
    return f"{'; '.join(wrong)}. Fix it in the config or the override."


def _settings_of(config: Config, path: List[str]) -> List[str]:
    """The settings the section at ``components.<path>`` takes: its factory's for a component
    (``path`` of one name), else those of the registered function it names (``@architectures`` ...);
    empty if unknown."""
    try:
        section = config["components"]
        for name in path:
            section = section[name]
        if len(path) == 1:
            return list(Language.get_factory_meta(section["factory"]).default_config)
        (reference,) = [key for key in section if key.startswith("@")]
        func = registry.get(reference[1:], section[reference])
    except (KeyError, TypeError, ValueError, RegistryError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [name for name, param in inspect.signature(func).parameters.items() if param.kind in kinds]
