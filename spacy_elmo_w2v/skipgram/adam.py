"""Adam for the two embedding tables, with torch's fused kernel called directly.

``torch.optim.Adam(fused=True)`` imports ``torch._dynamo`` on its first step:
about 1.2 s on the 2-core benchmark machine, a quarter of a whole PTB run.
The fused kernel itself (``torch._fused_adam_``) needs none of that, so this
optimizer calls it directly, and falls back to ``torch.optim.Adam`` (foreach)
where a torch build lacks it.
"""
from typing import Iterable, List

import torch


class FusedAdam:
    """Adam (no weight decay) over dense parameters; ``lr`` may change between steps."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params: List[torch.nn.Parameter] = list(params)
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self._fallback = None
        if not hasattr(torch, "_fused_adam_"):
            self._fallback = torch.optim.Adam(self.params, lr=lr, betas=betas, eps=eps)
            return
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient."""
        if self._fallback is not None:
            for group in self._fallback.param_groups:
                group["lr"] = self.lr
            self._fallback.step()
            return
        idx = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not idx:
            return
        for i in idx:
            self.steps[i] += 1
        torch._fused_adam_(
            [self.params[i] for i in idx],
            [self.params[i].grad for i in idx],
            [self.exp_avgs[i] for i in idx],
            [self.exp_avg_sqs[i] for i in idx],
            [],
            [self.steps[i] for i in idx],
            lr=self.lr,
            beta1=self.betas[0],
            beta2=self.betas[1],
            weight_decay=0.0,
            eps=self.eps,
            amsgrad=False,
            maximize=False,
        )
