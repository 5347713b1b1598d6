"""The optimiser schedule the trainers share: AdamW, linear warm-up, then linear decay to zero."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def adamw_with_warmup(
    parameters: Iterable[Any],
    learning_rate: float,
    weight_decay: float,
    total_steps: int,
    warmup_fraction: float,
) -> tuple[Any, Any]:
    """(optimizer, scheduler); call `scheduler.step()` after each `optimizer.step()`."""
    import torch

    optimizer = torch.optim.AdamW(list(parameters), lr=learning_rate, weight_decay=weight_decay)
    warmup = max(int(total_steps * warmup_fraction), 1)
    decay = max(total_steps - warmup, 1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / decay))
    )
    return optimizer, scheduler
