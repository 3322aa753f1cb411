"""Glue between thinc's ``PyTorchWrapper`` and our torch modules. Imports torch."""
from typing import Any, Callable, Tuple

import numpy as np
import torch
from thinc.api import ArgsKwargs, Model


def loss_input(model: Model, X: Any, is_train: bool) -> Tuple[ArgsKwargs, Callable]:
    """Pass a batch object straight to the torch module; no gradient flows back to it."""
    return ArgsKwargs(args=(X,), kwargs={}), lambda dX: None


def loss_output(model: Model, inputs_outputs: Tuple[Any, torch.Tensor], is_train: bool):
    """Turn a torch scalar loss into a numpy scalar; backprop takes d(loss) (usually 1.0)."""
    _, loss = inputs_outputs

    def get_d_loss(d_loss: Any) -> ArgsKwargs:
        grad = torch.as_tensor(np.asarray(d_loss, dtype="float32"), device=loss.device).reshape(loss.shape)
        return ArgsKwargs(args=(loss,), kwargs={"grad_tensors": grad})

    return np.asarray(loss.detach().cpu().numpy()), get_d_loss


def torch_module(model: Model) -> torch.nn.Module:
    """The torch module inside a model built around one ``PyTorchWrapper`` layer."""
    for node in model.walk():
        if node.shims:
            return node.shims[0]._model
    raise ValueError(f"model {model.name!r} wraps no torch module (is it initialized?)")
