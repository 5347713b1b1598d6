"""The classifier on a frozen sentence vector: a small MLP (or a linear layer) over unit vectors,
trained on cached embeddings in shuffled mini-batches with a class-weighted cross-entropy and
stopped early on the held-out macro-F1.

Class weights: `balanced` gives each class total weight n/3 (weight n / (3 * count)), so the
few 1-3 star reviews of a mostly 5-star shop (Gift Cards: 2% neutral, 1% negative) count as much
as the many 5-star ones; `sqrt` takes the square root of those weights (less overfitting to a
handful of reviews); `none` weighs every review alike.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.sentiment.metrics import macro_f1
from shelfwise.sentiment.records import LABELS

CLASSES = len(LABELS)


class HeadConfig(BaseModel):
    hidden: int = Field(default=128, ge=0, description="hidden units; 0: a linear head")
    dropout: float = Field(default=0.1, ge=0, lt=1)
    epochs: int = Field(default=150, ge=1, description="at most; early stopping ends sooner")
    patience: int = Field(default=20, ge=1, description="epochs without a held-out gain before stopping")
    batch_size: int = Field(default=64, ge=2)
    learning_rate: float = Field(default=2e-3, gt=0)
    weight_decay: float = Field(default=1e-2, ge=0)
    class_weighting: Literal["balanced", "sqrt", "none"] = "balanced"
    early_stopping: bool = True
    seed: int = 13


def class_weights(labels: np.ndarray, mode: str) -> np.ndarray:
    """Per-class loss weights (0 for a class with no review: it cannot be learned)."""
    counts = np.bincount(labels, minlength=CLASSES).astype(np.float64)
    if mode == "none":
        return (counts > 0).astype(np.float32)
    weights = np.divide(len(labels), CLASSES * counts, out=np.zeros(CLASSES), where=counts > 0)
    return (np.sqrt(weights) if mode == "sqrt" else weights).astype(np.float32)


def head_module(dim: int, hidden: int, dropout: float) -> Any:
    import torch

    if not hidden:
        return torch.nn.Sequential(torch.nn.Linear(dim, CLASSES))
    return torch.nn.Sequential(
        torch.nn.Dropout(dropout), torch.nn.Linear(dim, hidden), torch.nn.GELU(),
        torch.nn.Dropout(dropout), torch.nn.Linear(hidden, CLASSES),
    )  # fmt: skip


@dataclass
class HeadFit:
    """What fitting did: the epochs run, the one kept, and the held-out macro-F1 per epoch."""

    epochs: int = 0
    best_epoch: int = 0
    best_macro_f1: float = -1.0
    history: list[float] = field(default_factory=list)


def predict_probabilities(module: Any, vectors: np.ndarray) -> np.ndarray:
    import torch

    module.eval()
    with torch.inference_mode():
        logits = module(torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)))
        return torch.softmax(logits, dim=-1).numpy()


def fit_head(train_x: np.ndarray, train_y: np.ndarray, val_x: np.ndarray, val_y: np.ndarray,
             config: HeadConfig) -> tuple[Any, HeadFit]:  # fmt: skip
    """A head fitted on (train_x, train_y); with early stopping, the weights of the epoch with the
    best macro-F1 on (val_x, val_y) (ties: the earlier epoch)."""
    import torch

    torch.manual_seed(config.seed)
    module = head_module(train_x.shape[1], config.hidden, config.dropout)
    optimizer = torch.optim.AdamW(
        module.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    loss_of = torch.nn.CrossEntropyLoss(
        weight=torch.from_numpy(class_weights(train_y, config.class_weighting))
    )
    x, y = torch.from_numpy(train_x.astype(np.float32)), torch.from_numpy(train_y.astype(np.int64))
    order = torch.Generator().manual_seed(config.seed)
    fit, best_state = HeadFit(), copy.deepcopy(module.state_dict())
    for epoch in range(1, config.epochs + 1):
        module.train()
        for rows in torch.randperm(len(x), generator=order).split(config.batch_size):
            optimizer.zero_grad()
            loss_of(module(x[rows]), y[rows]).backward()
            optimizer.step()
        score = macro_f1(val_y.tolist(), predict_probabilities(module, val_x).argmax(1).tolist(), CLASSES)
        fit.history.append(round(score, 4))
        fit.epochs = epoch
        if score > fit.best_macro_f1:
            fit.best_macro_f1, fit.best_epoch = score, epoch
            best_state = copy.deepcopy(module.state_dict())
        elif config.early_stopping and epoch - fit.best_epoch >= config.patience:
            break
    if config.early_stopping:
        module.load_state_dict(best_state)
    module.eval()
    return module, fit
