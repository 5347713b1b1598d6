"""What every recall channel is: a model fitted on interaction sequences that scores every item
for a batch of shoppers' histories. Channels are measured alone and fused by the ranker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class ItemInfo:
    """Catalog facts some channels use (graph neighbours, reasons); all optional."""

    brand: str = ""
    category: str = ""
    also_bought: tuple[str, ...] = ()
    also_viewed: tuple[str, ...] = ()


@dataclass
class TrainingData:
    """Interactions as dense item indices. `sequences[u]` holds shopper u's items oldest first;
    `timestamps[u]` (unix seconds, same length) when the data has times. Item index i is
    `item_ids[i]`; `item_vectors` (row i, L2-normalised) are the items' text embeddings."""

    item_ids: tuple[str, ...]
    sequences: list[np.ndarray]
    timestamps: list[np.ndarray] | None = None
    item_vectors: np.ndarray | None = None
    item_info: dict[str, ItemInfo] = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def item_counts(self) -> np.ndarray:
        """Interactions per item."""
        if not self.sequences:
            return np.zeros(self.n_items, dtype=np.int64)
        return np.bincount(np.concatenate(self.sequences), minlength=self.n_items)


@runtime_checkable
class RecallChannel(Protocol):
    """One source of candidates. `score` returns a (len(histories), n_items) float32 matrix:
    higher is better, 0 where the channel has no opinion. Histories are item indices, oldest
    first, and may be empty (a new shopper)."""

    name: str

    def fit(self, data: TrainingData) -> None: ...

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray: ...


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the k best items of each row, best first."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)
