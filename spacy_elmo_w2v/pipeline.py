"""Finding our components in a pipeline, and building a pipeline from a config."""
from typing import Any, List, Optional, Tuple

from spacy.language import Language
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
    and for a misspelt setting of a component, the setting of its factory it most resembles."""
    problems = getattr(error, "errors", None) or []
    if not problems:
        return " ".join(str(error).split())
    prefix = "components." if "Config error for '" in (getattr(error, "title", "") or "") else ""
    wrong = []
    for problem in problems:
        loc = [str(part) for part in problem.get("loc", [])]
        text = f"--{prefix}{'.'.join(loc)}: {problem.get('msg', '').replace('at root: ', '')}"
        if prefix and len(loc) == 2 and "unexpected argument" in problem.get("msg", ""):
            text += did_you_mean(loc[1], _factory_settings(config, loc[0]), lambda name: f"--components.{loc[0]}.{name}")
        wrong.append(text)
    return f"{'; '.join(wrong)}. Fix it in the config or the override."


def _factory_settings(config: Config, component: str) -> List[str]:
    """The settings the factory of ``component`` (a name in ``[components]``) takes; empty if unknown."""
    try:
        factory = config["components"][component]["factory"]
        return list(Language.get_factory_meta(factory).default_config)
    except (KeyError, TypeError, ValueError):
        return []
