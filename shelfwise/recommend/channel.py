"""What every recall channel is: a model fitted on interaction sequences that scores every item
for a batch of shoppers' histories. Channels are measured alone and fused by the ranker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp


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


def recency_votes(
    histories: Sequence[np.ndarray], n_items: int, length: int, decay: float
) -> sp.csr_matrix:
    """A (len(histories), n_items) float32 sparse matrix of each history's `length` most recent
    items: the j-th most recent (j = 1 for the latest) votes 1 / j ** decay, and an item seen
    more than once adds up its votes. An empty history is an empty row."""
    rows, cols, vals = [], [], []
    for r, history in enumerate(histories):
        recent = np.asarray(history, dtype=np.int64)[-length:][::-1]
        rows.append(np.full(len(recent), r, dtype=np.int64))
        cols.append(recent)
        vals.append(1.0 / np.arange(1, len(recent) + 1, dtype=np.float64) ** decay)
    if not rows:
        return sp.csr_matrix((0, n_items), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(histories), n_items),
        dtype=np.float32,
    )
