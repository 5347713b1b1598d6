"""Adversarial training on embeddings: the fast gradient method (FGM; Miyato et al., 2017).

After the usual backward pass, each embedding table is moved by `epsilon * g / ||g||` (g: its
gradient, the direction that raises the loss the most), the loss is computed and back-propagated
again on the moved tables, and the tables are moved back before the optimizer steps: the model
learns from both, which makes it less sensitive to small changes of the learned embeddings
(rare shoppers and items whose vectors are noisy).
"""

from __future__ import annotations

import torch
from torch import nn


class FGM:
    def __init__(self, module: nn.Module, epsilon: float, match: tuple[str, ...] = ("embeddings",)) -> None:
        """Perturbs the parameters of `module` whose name contains one of `match`."""
        self.epsilon = epsilon
        self._params = [(n, p) for n, p in module.named_parameters() if any(m in n for m in match)]
        self._backup: dict[str, torch.Tensor] = {}

    @property
    def parameter_names(self) -> list[str]:
        return [name for name, _ in self._params]

    @torch.no_grad()
    def attack(self) -> None:
        for name, param in self._params:
            if param.grad is None:
                continue
            norm = torch.linalg.vector_norm(param.grad)
            if norm > 0 and torch.isfinite(norm):
                self._backup[name] = param.detach().clone()
                param.add_(self.epsilon * param.grad / norm)

    @torch.no_grad()
    def restore(self) -> None:
        for name, param in self._params:
            if name in self._backup:
                param.copy_(self._backup[name])
        self._backup.clear()
