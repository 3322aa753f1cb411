"""ScalarMix: ``ELMo = gamma * sum_j softmax(s)_j * h_j`` over the biLM's layers."""
import torch
from torch import nn


class ScalarMix(nn.Module):
    """A learned, softmax-normalized weighted sum of ``n_layers`` layers, scaled by ``gamma``.

    Parameters: ``scalar_parameters`` (s, ``[n_layers]``, zeros: an even
    average to start with) and ``gamma`` (a scalar, 1.0).
    """

    def __init__(self, n_layers: int) -> None:
        super().__init__()
        self.n_layers = n_layers
        self.scalar_parameters = nn.Parameter(torch.zeros(n_layers))
        self.gamma = nn.Parameter(torch.ones(()))

    def forward(self, layers: torch.Tensor) -> torch.Tensor:
        """layers: ``[n_layers, ...]`` -> ``[...]``, the mixed representation."""
        if layers.dim() == 0 or layers.shape[0] != self.n_layers:
            raise ValueError(
                f"ScalarMix was built for {self.n_layers} layers but got a tensor of shape "
                f"{tuple(layers.shape)}; stack the layers on the first axis (shape [{self.n_layers}, ...])"
            )
        weights = torch.softmax(self.scalar_parameters, dim=0).to(layers.dtype)
        return self.gamma.to(layers.dtype) * torch.tensordot(weights, layers, dims=1)
