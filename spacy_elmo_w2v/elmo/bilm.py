"""The bidirectional LSTM language model (biLM) built from a :class:`.spec.BiLMSpec`."""
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

import torch
from torch import nn

from .batching import IGNORE, LMBatch
from .encoder import TokenEncoder
from .heads import build_head
from .lstm import LSTMStack, State
from .spec import BiLMSpec


@dataclass
class LMOutput:
    """Summed negative log-likelihoods and token counts of both directions, plus carried states."""

    fwd_nll: torch.Tensor
    bwd_nll: torch.Tensor
    n_fwd: int
    n_bwd: int
    fwd_state: State
    bwd_state: State

    def loss(self) -> torch.Tensor:
        """The training loss: mean of the forward and backward mean cross-entropies."""
        return 0.5 * (self.fwd_nll / max(self.n_fwd, 1) + self.bwd_nll / max(self.n_bwd, 1))


def reverse_padded(x: torch.Tensor, lengths: Optional[torch.Tensor]) -> torch.Tensor:
    """Reverse ``x [B, T, ...]`` along time within each row's length (padding stays at the end)."""
    if lengths is None:
        return x.flip(1)
    T = x.shape[1]
    t = torch.arange(T, device=x.device).unsqueeze(0)
    lengths = lengths.to(x.device).unsqueeze(1)
    index = torch.where(t < lengths, lengths - 1 - t, t)
    index = index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, index)


#: State-dict prefix of the scalar mix that biLMs saved by version 0.1 carried.
LEGACY_MIX_PREFIX = "mix."


class BiLM(nn.Module):
    """Token encoder, a forward and a backward :class:`.lstm.LSTMStack`, one shared softmax head.

    ``forward(batch)`` returns the training loss of an :class:`.batching.LMBatch`;
    :meth:`layers` returns the ELMo layers. The scalar mix over them belongs to
    each downstream task (:mod:`.listener`), not to the language model.
    """

    def __init__(self, spec: BiLMSpec, n_words: int, words: Optional[List[str]] = None) -> None:
        super().__init__()
        self.spec = spec
        self.n_words = n_words
        width = spec.width
        self.encoder = TokenEncoder(spec.encoder, n_words, width, words)
        self.forward_lstm = LSTMStack(spec.n_layers, width, spec.hidden_size, spec.residual, spec.dropout)
        self.backward_lstm = LSTMStack(spec.n_layers, width, spec.hidden_size, spec.residual, spec.dropout)
        self.head = build_head(spec.head, width, n_words, self.encoder.word_embed)
        self.dropout = nn.Dropout(spec.dropout)

    def load_state_dict(self, state_dict: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        """As torch's, but ignoring the ``mix.*`` entries of biLMs saved by version 0.1,
        which carried an untrained scalar mix (s = 0, gamma = 1: the plain average)."""
        state_dict = {k: v for k, v in state_dict.items() if not k.startswith(LEGACY_MIX_PREFIX)}
        return super().load_state_dict(state_dict, *args, **kwargs)

    def direction_nll(
        self, inputs: torch.Tensor, targets: torch.Tensor, backward: bool, state: Optional[State] = None
    ) -> Tuple[torch.Tensor, int, State]:
        """One direction reading ``inputs [B, T]`` (in its own reading order) and predicting ``targets``.

        Returns the summed NLL over targets that are not ``-1``, their count,
        and the final LSTM state.
        """
        stack = self.backward_lstm if backward else self.forward_lstm
        outputs, new_state = stack(self.dropout(self.encoder(inputs)), state)
        top = self.dropout(outputs[-1])
        mask = targets != IGNORE
        n = int(mask.sum())
        if n == targets.numel():  # a stream chunk: every position has a target, no gather needed
            return self.head.nll(top.reshape(n, -1), targets.reshape(n)), n, new_state
        return self.head.nll(top[mask], targets[mask]), n, new_state

    def lm_output(self, batch: LMBatch, fwd_state: Optional[State] = None, bwd_state: Optional[State] = None) -> LMOutput:
        """Both directions' NLL on ``batch``, continuing from the given states."""
        f_nll, n_f, f_state = self.direction_nll(batch.fwd_inputs, batch.fwd_targets, False, fwd_state)
        b_nll, n_b, b_state = self.direction_nll(batch.bwd_inputs, batch.bwd_targets, True, bwd_state)
        return LMOutput(f_nll, b_nll, n_f, n_b, f_state, b_state)

    def forward(self, batch: LMBatch) -> torch.Tensor:
        """The training loss (scalar) of a batch of independent sequences."""
        return self.lm_output(batch).loss()

    def layers(
        self, ids: torch.Tensor, lengths: Optional[torch.Tensor] = None, chars: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        """ids ``[B, T]`` (right-padded; ``lengths [B]``) -> ``[L + 1, B, T, D]``, D = 2 * width.

        Layer 0 is the token representation ``[x; x]``; layer j is
        ``[forward_j; backward_j]``. The forward state at t depends on tokens
        ``<= t`` only, the backward state on tokens ``>= t`` within the row's length.
        """
        x = self.encoder(ids, chars)
        fwd, _ = self.forward_lstm(x)
        bwd, _ = self.backward_lstm(reverse_padded(x, lengths))
        layers = [torch.cat([x, x], dim=-1)]
        layers += [torch.cat([f, reverse_padded(b, lengths)], dim=-1) for f, b in zip(fwd, bwd)]
        return torch.stack(layers)

    def next_log_probs(self, ids: torch.Tensor, state: Optional[State] = None) -> Tuple[torch.Tensor, State]:
        """Forward LM: read ``ids [B, T]`` from ``state``; log-probs of the next word ``[B, V]`` and the new state."""
        outputs, new_state = self.forward_lstm(self.encoder(ids), state)
        return self.head.log_probs(outputs[-1][:, -1]), new_state


def build_bilm(spec: BiLMSpec, words: List[str]) -> BiLM:
    """A freshly initialised :class:`BiLM` for a vocabulary of ``words`` (id i is ``words[i]``)."""
    return BiLM(spec, len(words), words)
