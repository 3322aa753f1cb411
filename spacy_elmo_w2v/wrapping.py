"""Wrapping our torch modules as thinc models, the same way for both components.

Both torch models take one batch object and return a scalar loss, so the
wrapper passes the batch through untouched (ids need no gradient) and uses
thinc's default conversion of the loss. No torch import at import time.
"""
from typing import Any, Callable, Optional, Tuple

from thinc.api import ArgsKwargs, Model, PyTorchWrapper

from .forking import track_torch_module


def wrap_torch_module(module: Any) -> Model:
    """A ``PyTorchWrapper`` around ``module``: batch in, scalar loss out.

    Also makes torch safe to use in processes that ``nlp.pipe(n_process=...)``
    forks while ``module`` is alive (see :mod:`.forking`).
    """
    track_torch_module(module)
    return PyTorchWrapper(module, convert_inputs=_pass_batch)


def wrapped_torch_module(model: Model) -> Optional[Any]:
    """The torch module inside ``model`` (or its first wrapped layer), or None."""
    for node in model.walk():
        if node.shims:
            return node.shims[0]._model
    return None


def _pass_batch(model: Model, batch: Any, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    # The batch holds integer ids only: there is no gradient to pass back.
    return ArgsKwargs(args=(batch,), kwargs={}), lambda d_inputs: None
