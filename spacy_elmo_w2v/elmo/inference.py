"""Running the biLM on windows of tokens without gradients, and choosing the output vector."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .batching import pad
from .bilm import BiLM
from .encoder import char_ids

Output = Union[str, int]


def combine_layers(layers: torch.Tensor, output: Output) -> torch.Tensor:
    """``[L + 1, ..., D]`` -> ``[..., D]``: ``"top"`` (the last layer), ``"average"``
    (the mean of all layers), or the layer with index ``output`` (0 = token layer).

    There is no learned mix here: outside a task nothing trains one (a task's
    mix lives in its listener, :mod:`.listener`)."""
    if output == "top":
        return layers[-1]
    if output == "average":
        return layers.mean(dim=0)
    return layers[int(output)]


@torch.no_grad()
def window_vectors(
    bilm: BiLM,
    ids: Sequence[np.ndarray],
    boundary_id: int,
    output: Optional[Output],
    device: torch.device,
    words: Optional[Sequence[List[str]]] = None,
    keep_layers: bool = False,
    layers_dtype: str = "float32",
) -> Tuple[Optional[List[np.ndarray]], Optional[List[np.ndarray]]]:
    """ELMo vectors of independent windows of token ids.

    Each window is read as ``<eos> w1 .. wn <eos>`` (as sentences were in
    training). ``words`` (the normalized strings) feed the char CNN when the
    encoder has one, so unknown words still get their own characters.
    Returns float32 ``[n, D]`` per window (None when ``output`` is None) and,
    with ``keep_layers``, ``[L + 1, n, D]`` per window in ``layers_dtype``.
    """
    b = np.array([boundary_id], dtype=np.int64)
    seqs = [np.concatenate([b, s, b]) for s in ids]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.int64)
    inputs = pad(seqs, boundary_id).to(device)
    chars = None
    cnn = bilm.encoder.char_cnn
    if cnn is not None and words is not None:
        width = inputs.shape[1]
        padded = [["<eos>", *w, "<eos>"] + ["<eos>"] * (width - len(w) - 2) for w in words]
        flat = char_ids([w for row in padded for w in row], cnn.spec.max_chars)
        chars = torch.from_numpy(flat).reshape(len(seqs), width, -1).to(device)
    layers = bilm.layers(inputs, lengths, chars)
    vectors = combine_layers(layers, output).float().cpu().numpy() if output is not None else None
    kept = layers.to(getattr(torch, layers_dtype)).cpu().numpy() if keep_layers else None
    out_vectors = [vectors[i, 1 : 1 + len(s)] for i, s in enumerate(ids)] if vectors is not None else None
    out_layers = [kept[:, i, 1 : 1 + len(s)] for i, s in enumerate(ids)] if kept is not None else None
    return out_vectors, out_layers
