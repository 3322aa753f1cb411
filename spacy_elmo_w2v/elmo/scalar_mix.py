"""ScalarMix: ``ELMo_task = gamma * sum_j softmax(s)_j * h_j`` over the biLM's layers.

One formula, one place: the task's mix belongs to the downstream component
(Peters et al. 2018), so it is a thinc layer that lives inside that
component's model (:mod:`.listener`), is trained by ``nlp.update`` and saved
with it. It runs on whatever ``model.ops`` is (numpy on CPU, cupy on GPU).
No torch import.
"""
from typing import Callable, Optional, Tuple

from thinc.api import Model
from thinc.types import Floats1d, Floats2d, Floats3d


def ScalarMix(n_layers: Optional[int] = None, l2: float = 0.0) -> Model[Floats3d, Floats2d]:
    """A learned, softmax-normalized weighted sum of layers, scaled by ``gamma``.

    Input ``[n_layers, n_tokens, D]``, output ``[n_tokens, D]``. Parameters:
    ``s`` (``[n_layers]``, initialised to 0: an even average to start with)
    and ``gamma`` (``[1]``, initialised to 1). ``n_layers`` may be left
    ``None`` and is then taken from the first input. ``l2`` adds
    ``l2 * ||s||^2`` to the loss, i.e. ``2 * l2 * s`` to the gradient of
    ``s`` in this layer's own backprop (the optimizer's L2 would hit every
    parameter of the pipeline). No gradient is wanted for the layers
    themselves, but one is returned, so the layer composes like any other.
    """
    return Model(
        "scalar_mix",
        _forward,
        init=_init,
        dims={"nL": n_layers},
        params={"s": None, "gamma": None},
        attrs={"l2": float(l2)},
    )


def mix_weights(model: Model) -> Floats1d:
    """softmax(s): the weight of each layer (sums to 1)."""
    return _softmax(model.ops.xp, model.get_param("s"))


def _softmax(xp, s):
    e = xp.exp(s - s.max())
    return e / e.sum()


def _init(model: Model, X: Optional[Floats3d] = None, Y: Optional[Floats2d] = None) -> None:
    """(Re)start the mix as the plain average: s = 0, gamma = 1."""
    if X is not None:
        _check_layers(model, X)
    if model.has_dim("nL"):
        n_layers = model.get_dim("nL")
        model.set_param("s", model.ops.alloc1f(n_layers))
        model.set_param("gamma", model.ops.asarray1f([1.0]))


def _check_layers(model: Model, X: Floats3d) -> None:
    """Set ``nL`` from ``X`` the first time; afterwards a wrong shape is a clear error."""
    if X.ndim != 3:
        raise ValueError(f"ScalarMix expects layers stacked as [n_layers, n_tokens, width], got shape {tuple(X.shape)}")
    if not model.has_dim("nL"):
        model.set_dim("nL", int(X.shape[0]))
    elif X.shape[0] != model.get_dim("nL"):
        raise ValueError(
            f"ScalarMix was built for {model.get_dim('nL')} layers but got {X.shape[0]} "
            f"(input shape {tuple(X.shape)}): the layers come from a biLM of another depth than the one "
            f"this mix was trained with"
        )


def _forward(model: Model, H: Floats3d, is_train: bool) -> Tuple[Floats2d, Callable]:
    _check_layers(model, H)
    if not model.has_param("s"):
        _init(model)
    xp = model.ops.xp
    s = model.get_param("s")
    gamma = model.get_param("gamma")
    w = _softmax(xp, s)
    mixed = xp.tensordot(w.astype(H.dtype), H, axes=1)  # sum_j w_j H_j: [n_tokens, D]
    Y = gamma[0] * mixed
    l2 = model.attrs["l2"]

    def backprop(dY: Floats2d) -> Floats3d:
        per_layer = xp.tensordot(H, dY, axes=([1, 2], [0, 1]))  # sum(H_j * dY) for each j
        d_w = gamma[0] * per_layer
        d_s = w * (d_w - (w * d_w).sum())  # through the softmax
        if l2:
            d_s = d_s + 2.0 * l2 * s
        model.inc_grad("s", d_s.astype(s.dtype))
        model.inc_grad("gamma", xp.asarray([(mixed * dY).sum()], dtype=gamma.dtype))
        return (gamma[0] * w)[:, None, None].astype(dY.dtype) * dY[None]

    return Y, backprop
