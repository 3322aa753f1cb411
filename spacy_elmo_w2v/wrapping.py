"""Wrapping our torch modules as thinc models, the same way for both components.

Both torch models take one batch object and return a scalar loss, so the
wrapper passes the batch through untouched (ids need no gradient) and uses
thinc's default conversion of the loss. No torch import at import time.
"""
import weakref
from pathlib import Path
from typing import Any, Callable, Optional, Tuple

from thinc.api import ArgsKwargs, Model, PyTorchWrapper, Shim

from .forking import track_torch_module

#: The first bytes of a zip archive, which ``torch.save`` writes (a thinc
#: msgpack file holds one too, inside, so ``zipfile.is_zipfile`` cannot tell them apart).
ZIP_MAGIC = b"PK\x03\x04"

# The torch module inside each wrapper we made, by the wrapper's shim: thinc has no public
# accessor for a shim's module. Weak keys: an entry goes with its shim.
_MODULE_OF_SHIM: "weakref.WeakKeyDictionary[Shim, Any]" = weakref.WeakKeyDictionary()


def wrap_torch_module(module: Any) -> Model:
    """A ``PyTorchWrapper`` around ``module``: batch in, scalar loss out.

    Also makes torch safe to use in processes that ``nlp.pipe(n_process=...)``
    forks while ``module`` is alive (see :mod:`.forking`).
    """
    track_torch_module(module)
    wrapper = PyTorchWrapper(module, convert_inputs=_pass_batch)
    _MODULE_OF_SHIM[wrapper.shims[0]] = module
    return wrapper


def wrapped_torch_module(model: Model) -> Optional[Any]:
    """The torch module inside ``model`` (or its first wrapped layer), or None."""
    for node in model.walk():
        if node.shims:
            return shim_module(node.shims[0])
    return None


def shim_module(shim: Shim) -> Optional[Any]:
    """The torch module that ``shim`` runs, or None if it cannot be found.

    For a wrapper made by :func:`wrap_torch_module`, the module it was given
    (public APIs only). A copy of a model (thinc's ``Model.copy``,
    ``copy.deepcopy``) has new shims holding copies of the module; for those
    the module is read from the attribute where thinc's shims keep it, which
    thinc does not document, so it is looked up with a fallback of None.
    """
    module = _MODULE_OF_SHIM.get(shim)
    return module if module is not None else getattr(shim, "_model", None)


def _pass_batch(model: Model, batch: Any, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    # The batch holds integer ids only: there is no gradient to pass back.
    return ArgsKwargs(args=(batch,), kwargs={}), lambda d_inputs: None


def save_torch_weights(model: Model, path: Path) -> None:
    """Write the weights of the torch module inside ``model`` to ``path`` with ``torch.save``.

    torch writes each tensor straight into the file, so saving large tables
    needs no copy of them in memory (thinc's ``Model.to_disk`` builds the
    whole file as bytes first, twice over). :func:`load_torch_weights`
    reads it back.
    """
    import torch

    torch.save(wrapped_torch_module(model).state_dict(), path)


def load_torch_weights(model: Model, path: Path) -> None:
    """Load into ``model`` the weights at ``path``: a file of :func:`save_torch_weights`,
    or one that thinc's ``Model.to_disk`` wrote (pipelines saved before that existed)."""
    with open(path, "rb") as file:
        is_torch_file = file.read(4) == ZIP_MAGIC  # torch.save writes a zip archive; thinc a msgpack map
    if not is_torch_file:
        model.from_disk(path)
        return
    import torch

    module = wrapped_torch_module(model)
    device = next(module.parameters()).device
    module.load_state_dict(torch.load(path, map_location=device, weights_only=True))
