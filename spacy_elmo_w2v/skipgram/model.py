"""The skip-gram torch model: input (center) and output (context) embedding tables."""
import functools
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class SGNSBatch:
    """One batch of skip-gram pairs, laid out so that no pair is materialized.

    centers: ``[B]`` ids of consecutive centers of the subsampled corpus.
    window_words: ``[B + 2w]`` ids of the same stretch padded by ``w`` tokens on
        each side: the neighbour at offset ``o`` of center ``i`` is
        ``window_words[i + w + o]``.
    context_mask: ``[B, 2w + 1]`` bool, which offsets ``-w..w`` are context words.
    noise: ``[M]`` noise-word ids shared by the whole batch.
    negatives_per_pair: K, the number of negatives each (center, context) pair
        stands for.
    """

    centers: torch.Tensor
    window_words: torch.Tensor
    context_mask: torch.Tensor
    noise: torch.Tensor
    negatives_per_pair: int

    @property
    def n_pairs(self) -> int:
        return int(self.context_mask.sum())


class SkipGramModel(nn.Module):
    """Two embedding tables of shape ``[n_words, width]``.

    ``input`` holds the word vectors users get; ``output`` the context
    vectors used only to score (center, context) pairs. Initialised as in
    word2vec: input uniform in +-0.5/width, output zeros.
    """

    def __init__(self, n_words: int, width: int, sparse: bool = False) -> None:
        super().__init__()
        self.input = nn.Embedding(n_words, width, sparse=sparse)
        self.output = nn.Embedding(n_words, width, sparse=sparse)
        with torch.no_grad():
            self.input.weight.uniform_(-0.5 / width, 0.5 / width)
            self.output.weight.zero_()

    @property
    def n_words(self) -> int:
        return self.input.num_embeddings

    @property
    def width(self) -> int:
        return self.input.embedding_dim

    def forward(self, batch: SGNSBatch) -> torch.Tensor:
        """The batch's skip-gram negative-sampling loss (a scalar, see :func:`sgns_loss`)."""
        return sgns_loss(
            self.input(batch.centers),
            self.output(batch.window_words),
            batch.context_mask,
            self.output(batch.noise),
            batch.negatives_per_pair,
        )


@functools.lru_cache(maxsize=None)
def noise_matmul_dtype(device: torch.device) -> torch.dtype:
    """The dtype of the centers x noise-words product on ``device``.

    bfloat16 on GPUs and CPUs that multiply it natively (about 3x faster than
    float32 here, with the same WordSim-353 score), float32 elsewhere.
    """
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type == "cpu" and torch.backends.mkldnn.is_available():
        try:
            if torch.ops.mkldnn._is_mkldnn_bf16_supported():
                return torch.bfloat16
        except (AttributeError, RuntimeError):
            pass
    return torch.float32


def sgns_loss(
    center_vecs: torch.Tensor,
    window_vecs: torch.Tensor,
    context_mask: torch.Tensor,
    noise_vecs: torch.Tensor,
    negatives_per_pair: int,
) -> torch.Tensor:
    """Skip-gram negative-sampling loss: mean binary cross-entropy per scored pair.

    center_vecs: ``[B, d]`` input vectors of consecutive centers.
    window_vecs: ``[B + 2w, d]`` output vectors of the padded stretch around
        them (see :class:`SGNSBatch`); offset ``o`` of all centers is the
        contiguous slice ``window_vecs[w + o : w + o + B]``.
    context_mask: ``[B, 2w + 1]`` bool, which offsets are real context words.
    noise_vecs: ``[M, d]`` output vectors of M noise words shared by the batch.
    negatives_per_pair: K. Each center scores all M noise words (in bfloat16
        where the hardware multiplies it natively, see
        :func:`noise_matmul_dtype`), weighted by
        ``n_contexts * K / M``: in expectation the same as K independent
        negatives per (center, context) pair, as one matrix product (the
        shared-negatives estimator of Ji et al., 2016).

    Returns (sum of positive BCE + weighted negative BCE) / (n_pairs * (1 + K)),
    comparable to the masked BCE mean of the d2l reference.
    """
    n_centers = center_vecs.shape[0]
    n_offsets = context_mask.shape[1]
    pos_scores = torch.stack(
        [(center_vecs * window_vecs[j : j + n_centers]).sum(1) for j in range(n_offsets)], dim=1
    )
    mask = context_mask.to(center_vecs.dtype)
    pos_loss = (F.softplus(-pos_scores) * mask).sum()
    n_ctx = mask.sum(1)
    dtype = noise_matmul_dtype(center_vecs.device)
    neg_scores = (center_vecs.to(dtype) @ noise_vecs.to(dtype).t()).float()
    neg_weight = negatives_per_pair / noise_vecs.shape[0]
    neg_loss = (F.softplus(neg_scores).sum(1) * n_ctx).sum() * neg_weight
    n_pairs = n_ctx.sum().clamp_min(1.0)
    return (pos_loss + neg_loss) / (n_pairs * (1 + negatives_per_pair))
