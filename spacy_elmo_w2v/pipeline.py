"""Finding our components in a pipeline, and building a pipeline from a config."""
from typing import Any, Tuple

from spacy.language import Language
from thinc.api import Config

from .config import pipeline_config
from .errors import UserInputError


def find_pipe(nlp: Language, factory: str) -> Tuple[str, Any]:
    """The (name, component) of the first pipe made by ``factory``.

    Raises :class:`UserInputError` if the pipeline has none.
    """
    for name, pipe in nlp.pipeline:
        if nlp.get_pipe_meta(name).factory == factory:
            return name, pipe
    raise UserInputError(
        f"The pipeline has no {factory!r} component (it has: {', '.join(nlp.pipe_names) or 'none'}). "
        f"Add one with nlp.add_pipe({factory!r}) or use a config whose [nlp] pipeline lists it."
    )


def nlp_from_config(config: Config) -> Language:
    """Build (not initialize) the spaCy pipeline that a pretraining config describes."""
    from spacy.util import load_model_from_config

    try:
        return load_model_from_config(pipeline_config(config), auto_fill=True, validate=True)
    except Exception as e:  # config validation errors carry their own explanation
        raise UserInputError(f"The config does not describe a valid pipeline:\n{e}") from None
