"""Choosing the torch device from spaCy-style ``--gpu-id``."""
from typing import TYPE_CHECKING

from wasabi import msg

if TYPE_CHECKING:
    import torch


def resolve_device(gpu_id: int = -1) -> "torch.device":
    """Return ``torch.device("cuda:N")`` for ``gpu_id >= 0`` when CUDA is there, else CPU.

    Asking for a GPU on a machine without CUDA is not an error: it prints a
    warning that says so and falls back to the CPU.
    """
    import torch

    if gpu_id is None or gpu_id < 0:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        msg.warn(
            f"--gpu-id {gpu_id} was given but no CUDA device is available "
            f"(torch {torch.__version__}, torch.cuda.is_available() is False): running on CPU."
        )
        return torch.device("cpu")
    if gpu_id >= torch.cuda.device_count():
        msg.warn(f"--gpu-id {gpu_id}: only {torch.cuda.device_count()} CUDA device(s); using cuda:0.")
        gpu_id = 0
    return torch.device(f"cuda:{gpu_id}")


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (all devices) for reproducible runs."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
