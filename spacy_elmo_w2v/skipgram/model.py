"""The skip-gram torch model: input (center) and output (context) embedding tables."""
import functools
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

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
    noise: ``[G, M]`` noise-word ids. The centers are cut into consecutive
        groups of ``ceil(capacity / G)`` (the last may be shorter, and a
        batch with fewer centers leaves rows unused); the centers of group
        ``g`` all score the M noise words of row ``g``.
    negatives_per_pair: K, the number of negatives each (center, context) pair
        stands for.
    capacity: the number of centers a full batch holds (None: ``B``). A
        short batch (the last of a chunk) is padded to the shapes of a full
        one: on CPUs that multiply in bfloat16, oneDNN compiles and keeps a
        kernel for every new shape, ~0.2 MB each, and a new shape per chunk
        made a long run's memory grow by ~15 MB an epoch of 20M tokens.
    """

    centers: torch.Tensor
    window_words: torch.Tensor
    context_mask: torch.Tensor
    noise: torch.Tensor
    negatives_per_pair: int
    capacity: Optional[int] = None

    @property
    def n_pairs(self) -> int:
        """How many (center, context) pairs the batch scores."""
        return int(self.context_mask.sum())


class SkipGramModel(nn.Module):
    """Two embedding tables of shape ``[n_words, width]``.

    ``input`` holds the word vectors users get; ``output`` the context
    vectors used only to score (center, context) pairs. Initialised as in
    word2vec: input uniform in +-0.5/width, output zeros.
    """

    def __init__(self, n_words: int, width: int) -> None:
        super().__init__()
        self.input = nn.Embedding(n_words, width)
        self.output = nn.Embedding(n_words, width)
        with torch.no_grad():
            self.input.weight.uniform_(-0.5 / width, 0.5 / width)
            self.output.weight.zero_()

    @property
    def n_words(self) -> int:
        """Rows of each table (the vocabulary size)."""
        return self.input.num_embeddings

    @property
    def width(self) -> int:
        """The vectors' dimension."""
        return self.input.embedding_dim

    def forward(self, batch: SGNSBatch) -> torch.Tensor:
        """The batch's skip-gram negative-sampling loss (a scalar, see :func:`sgns_loss`)."""
        return sgns_loss(self.input.weight, self.output.weight, batch)


def cpu_bf16_probe() -> Optional[Callable[[], bool]]:
    """oneDNN's "does this CPU do bfloat16 natively" check, or None where this torch lacks it.

    torch has no public check: the op ``torch.ops.mkldnn._is_mkldnn_bf16_supported``
    is private, so it is looked up behind this feature test and a CPU without
    it multiplies in float32.
    """
    if not torch.backends.mkldnn.is_available():
        return None
    try:
        probe = torch.ops.mkldnn._is_mkldnn_bf16_supported
    except (AttributeError, RuntimeError):
        return None
    return lambda: bool(probe())


@functools.lru_cache(maxsize=None)
def _bf16_is_native(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        probe = cpu_bf16_probe()
        try:
            return probe is not None and probe()
        except RuntimeError:
            return False
    return False


def noise_matmul_dtype(device: torch.device, dtype: torch.dtype = torch.float32) -> torch.dtype:
    """The dtype of the centers x noise-words products for ``dtype`` weights on ``device``.

    float32 weights multiply in bfloat16 on GPUs and CPUs that do it natively
    (about 3x faster here, with the same WordSim-353 score); other weights
    (float64 in gradient checks) keep their own dtype.
    """
    if dtype == torch.float32 and _bf16_is_native(device):
        return torch.bfloat16
    return dtype


def sgns_loss(input_weight: torch.Tensor, output_weight: torch.Tensor, batch: SGNSBatch) -> torch.Tensor:
    """Skip-gram negative-sampling loss: mean binary cross-entropy per scored pair.

    input_weight, output_weight: the ``[V, d]`` center and context tables.
    batch: consecutive centers, the padded stretch around them, which offsets
        are context words, and M noise words shared by the batch (see
        :class:`SGNSBatch`).

    The loss is :func:`sgns_loss_and_row_grads`'s; autograd gets dense
    gradients built from its row gradients (for ``nlp.update`` and thinc's
    optimizers; the pretraining loop uses the row gradients directly).
    """
    return _SGNSLoss.apply(input_weight, output_weight, batch)


@dataclass
class SGNSGrads:
    """Gradients of the SGNS loss at the rows a batch touches (row ids may repeat).

    input_rows, input_grads: ``[n]`` ids and ``[n, d]`` gradient rows of the input table.
    output_rows, output_grads: the same for the output table.
    """

    input_rows: torch.Tensor
    input_grads: torch.Tensor
    output_rows: torch.Tensor
    output_grads: torch.Tensor

    def dense(self, input_shape: torch.Size, output_shape: torch.Size, scale: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The two full-size gradient tables, multiplied by ``scale``."""
        grad_in = self.input_grads.new_zeros(input_shape).index_add_(0, self.input_rows, self.input_grads)
        grad_out = self.output_grads.new_zeros(output_shape).index_add_(0, self.output_rows, self.output_grads)
        return grad_in.mul_(scale), grad_out.mul_(scale)


@torch.no_grad()
def sgns_loss_and_row_grads(w_in: torch.Tensor, w_out: torch.Tensor, batch: SGNSBatch) -> Tuple[torch.Tensor, SGNSGrads]:
    """The SGNS loss of a batch and its gradients at the rows it touches: ``(loss, SGNSGrads)``.

    Offset ``o`` of all centers is the contiguous slice ``window[w + o : w + o + B]``
    of the stretch's output vectors. Each center scores the M noise words of
    its group (see :class:`SGNSBatch`), weighted by ``n_contexts * K / M``: in
    expectation the same as K independent negatives per (center, context)
    pair, as one batched matrix product (the shared-negatives estimator of Ji
    et al., 2016, with a noise set per group of centers rather than per
    batch). The loss is (sum of positive BCE + weighted negative BCE) /
    (n_pairs * (1 + K)), comparable to the masked BCE mean of the d2l
    reference. The work is proportional to the batch, never to the vocabulary.
    """
    centers, window_words = batch.centers, batch.window_words
    n = centers.shape[0]
    span = batch.context_mask.shape[1]  # 2w + 1
    radius = (span - 1) // 2
    offsets = [j for j in range(span) if j != radius]
    full = max(n, batch.capacity or n)
    per_group = -(-full // batch.noise.shape[0])
    n_groups = -(-full // per_group)  # the groups of a full batch: the shapes stay those of every full batch
    noise = batch.noise[:n_groups]
    m = noise.shape[1]
    c = w_in.index_select(0, centers)
    o = w_out.index_select(0, window_words)
    noise_vecs = w_out.index_select(0, noise.reshape(-1))
    windows = o.unfold(0, span, 1)  # [B, d, 2w + 1]: row i holds o[i : i + 2w + 1], a view
    scores = torch.bmm(c.unsqueeze(1), windows).squeeze(1)[:, offsets].t()  # [2w, B]
    mask = batch.context_mask[:, offsets].t().to(c.dtype)
    n_ctx = mask.sum(0)
    dtype = noise_matmul_dtype(c.device, c.dtype)
    c_groups = _pad_rows(c, n_groups * per_group).to(dtype).view(n_groups, per_group, -1)
    noise_groups = noise_vecs.to(dtype).view(n_groups, m, -1)
    neg_scores = torch.bmm(c_groups, noise_groups.transpose(1, 2)).to(c.dtype).view(-1, m)[:n]  # [B, M]
    neg_weight = n_ctx * (batch.negatives_per_pair / m)
    norm = n_ctx.sum().clamp_min(1.0) * (1 + batch.negatives_per_pair)
    loss = ((F.softplus(-scores) * mask).sum() + (F.softplus(neg_scores).sum(1) * neg_weight).sum()) / norm
    g_pos = torch.sigmoid(-scores).mul_(mask).div_(-norm)  # d loss / d score, [2w, B]
    g_neg = torch.sigmoid(neg_scores).mul_((neg_weight / norm)[:, None])  # [B, M]
    g_neg_groups = _pad_rows(g_neg, n_groups * per_group).to(dtype).view(n_groups, per_group, m)
    g_c = torch.bmm(g_neg_groups, noise_groups).to(c.dtype).view(-1, c.shape[1])[:n]
    g_pos_span = g_pos.new_zeros((n, span))
    g_pos_span[:, offsets] = g_pos.t()
    g_c.add_(torch.bmm(g_pos_span.unsqueeze(1), windows.transpose(1, 2)).squeeze(1))
    g_o = torch.zeros_like(o)
    for k, j in enumerate(offsets):
        g_o[j : j + n].addcmul_(c, g_pos[k][:, None])
    used = -(-n // per_group)  # groups that have centers: the noise rows of the others are not touched
    g_noise = torch.bmm(g_neg_groups.transpose(1, 2), c_groups).to(c.dtype)[:used].reshape(-1, c.shape[1])  # [used * M, d]
    grads = SGNSGrads(centers, g_c, torch.cat([window_words, noise[:used].reshape(-1)]), torch.cat([g_o, g_noise]))
    return loss, grads


def _pad_rows(x: torch.Tensor, rows: int) -> torch.Tensor:
    """2-d ``x`` with zero rows appended up to ``rows`` (``x`` itself, not a copy, when it has them)."""
    return x if x.shape[0] == rows else F.pad(x, (0, 0, 0, rows - x.shape[0]))


class _SGNSLoss(torch.autograd.Function):
    """:func:`sgns_loss` for autograd: the row gradients, made dense in backward."""

    @staticmethod
    def forward(ctx, w_in, w_out, batch):
        loss, grads = sgns_loss_and_row_grads(w_in, w_out, batch)
        ctx.grads = grads
        ctx.shapes = (w_in.shape, w_out.shape)
        return loss

    @staticmethod
    def backward(ctx, grad_loss):
        grad_in, grad_out = ctx.grads.dense(*ctx.shapes, grad_loss)
        return grad_in, grad_out, None
