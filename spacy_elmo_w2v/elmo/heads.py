"""Softmax output layers: full softmax or adaptive softmax, both giving summed NLL and log-probs."""
from typing import List, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import UserInputError
from .spec import HeadSpec


class FullSoftmax(nn.Module):
    """A linear layer over the whole vocabulary, optionally sharing the input embedding weights."""

    def __init__(self, width: int, n_words: int, tied: Optional[nn.Embedding] = None) -> None:
        super().__init__()
        self.decoder = nn.Linear(width, n_words)
        if tied is not None:
            self.decoder.weight = tied.weight

    def nll(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """hidden ``[N, width]``, targets ``[N]`` -> summed negative log-likelihood (scalar)."""
        return F.cross_entropy(self.decoder(hidden).float(), targets, reduction="sum")

    def log_probs(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden ``[N, width]`` -> log-probabilities ``[N, n_words]``."""
        return F.log_softmax(self.decoder(hidden).float(), dim=-1)

    def idle_parameters(self, targets: torch.Tensor) -> List[nn.Parameter]:
        """The parameters :meth:`nll` leaves out of the graph for ``targets``: none (every word is scored)."""
        return []


class AdaptiveSoftmax(nn.Module):
    """``torch.nn.AdaptiveLogSoftmaxWithLoss`` behind the same two methods as :class:`FullSoftmax`."""

    def __init__(self, width: int, n_words: int, cutoffs, div_value: float) -> None:
        super().__init__()
        cutoffs = valid_cutoffs(cutoffs, n_words)
        self.adaptive = nn.AdaptiveLogSoftmaxWithLoss(width, n_words, cutoffs, div_value=div_value)

    def nll(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood of ``targets`` (``[N]`` word ids) given ``hidden`` (``[N, width]``)."""
        return -self.adaptive(hidden.float(), targets).output.sum()

    def log_probs(self, hidden: torch.Tensor) -> torch.Tensor:
        """Log-probabilities ``[N, n_words]`` of every word given ``hidden`` (``[N, width]``)."""
        return self.adaptive.log_prob(hidden.float())

    def idle_parameters(self, targets: torch.Tensor) -> List[nn.Parameter]:
        """The parameters of the tail clusters that no word of ``targets`` (word ids, any shape;
        ``-1`` ignored) falls into: :meth:`nll` skips those clusters, so they get no gradient.

        On a GPU this is every tail parameter (naming a used one too only adds
        zero to its gradient), so that no step waits for the device to say
        which clusters were hit.
        """
        if targets.device.type != "cpu":
            return [p for tail in self.adaptive.tail for p in tail.parameters()]
        bounds = torch.tensor(self.adaptive.cutoffs, device=targets.device)
        cluster = torch.bucketize(targets[targets >= 0].reshape(-1), bounds, right=True)  # 0 = shortlist
        hits = torch.bincount(cluster, minlength=len(bounds)).tolist()
        return [p for tail, n in zip(self.adaptive.tail, hits[1:]) if n == 0 for p in tail.parameters()]


def valid_cutoffs(cutoffs: Sequence[int], n_words: int) -> List[int]:
    """The adaptive softmax cluster cutoffs that fit ``n_words``: sorted, unique,
    each in ``1 .. n_words - 2`` (cutoffs at or past a small vocabulary are dropped;
    torch needs at least one, so ``n_words // 2`` when none is left)."""
    kept = sorted({int(c) for c in cutoffs if 0 < int(c) < n_words - 1})
    return kept or [max(1, n_words // 2)]


def build_head(spec: HeadSpec, width: int, n_words: int, embedding: Optional[nn.Embedding]) -> nn.Module:
    """The head a :class:`.spec.HeadSpec` describes (tied to ``embedding`` when asked)."""
    if spec.kind == "full":
        if spec.tie_embeddings and (embedding is None or embedding.embedding_dim != width):
            raise UserInputError(
                "[components.elmo_vectors.model.head] tie_embeddings needs word embeddings as wide as the LSTM output "
                f"(word_width, or the width of the vectors it starts from, == projection_size == {width}): "
                "set tie_embeddings = false or match the widths."
            )
        return FullSoftmax(width, n_words, embedding if spec.tie_embeddings else None)
    if spec.kind == "adaptive":
        if spec.tie_embeddings:
            raise ValueError("tie_embeddings works with the full softmax only: set kind = \"full\" or tie_embeddings = false")
        return AdaptiveSoftmax(width, n_words, spec.cutoffs, spec.div_value)
    raise ValueError(f"unknown softmax kind {spec.kind!r}: use \"full\" or \"adaptive\"")
