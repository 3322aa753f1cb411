"""One direction's LSTM stack: layers with projection, residual connections, dropout.

The stack reads its input left to right; the backward direction of the biLM
is the same stack run on time-reversed sequences (see :mod:`.bilm`).
"""
import warnings
from typing import List, Optional, Tuple

import torch
from torch import nn

# torch warns on every call that projected LSTMs skip oneDNN; expected here, so
# silenced around our own calls only (see :func:`run_lstm`).
ONEDNN_PROJECTION_WARNING = "LSTM with projections is not supported with oneDNN"

State = List[Tuple[torch.Tensor, torch.Tensor]]


class LSTMStack(nn.Module):
    """``n_layers`` single-layer ``nn.LSTM`` s of output width ``width``.

    width: input and output width of every layer (the projection size, or
        the hidden size when there is no projection).
    residual: from the second layer on, add the layer's input to its output.
    """

    def __init__(self, n_layers: int, width: int, hidden_size: int, residual: bool, dropout: float) -> None:
        super().__init__()
        proj = width if width != hidden_size else 0
        self.layers = nn.ModuleList(
            nn.LSTM(width, hidden_size, batch_first=True, proj_size=proj) for _ in range(n_layers)
        )
        self.residual = residual
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, state: Optional[State] = None) -> Tuple[List[torch.Tensor], State]:
        """x: ``[B, T, width]``; state: per-layer ``(h, c)`` carried from the previous chunk, or None.

        Returns the output of every layer (``[B, T, width]`` each, before
        dropout) and the final state of every layer.
        """
        outputs: List[torch.Tensor] = []
        new_state: State = []
        h = x
        for i, lstm in enumerate(self.layers):
            out, layer_state = run_lstm(lstm, h, None if state is None else state[i])
            if self.residual and i > 0:
                out = out + h
            outputs.append(out)
            new_state.append(layer_state)
            h = self.dropout(out)
        return outputs, new_state


def run_lstm(
    lstm: nn.LSTM, x: torch.Tensor, state: Optional[Tuple[torch.Tensor, torch.Tensor]]
) -> Tuple[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
    """``lstm(x, state)``, without torch's warning that projected LSTMs skip oneDNN.

    The warning filter lives only for this call (``warnings.catch_warnings``):
    other code's warnings are left as they are.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=ONEDNN_PROJECTION_WARNING)
        return lstm(x, state)
