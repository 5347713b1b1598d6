"""What every recall channel is: a model fitted on interaction sequences that scores every item
for a batch of shoppers' histories. Channels are measured alone and fused by the ranker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Self, runtime_checkable

import numpy as np
import scipy.sparse as sp

from shelfwise.recommend.reasons import Reason


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
    reviews: list[np.ndarray] | None = None
    """`reviews[u]` (len(sequences[u]), 2) float32: the rating (1-5) and the text's sentiment as
    stars of the review shopper u wrote of each item, NaN where none (`review_features.py`)"""

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def item_counts(self) -> np.ndarray:
        """Interactions per item."""
        if not self.sequences:
            return np.zeros(self.n_items, dtype=np.int64)
        return np.bincount(np.concatenate(self.sequences), minlength=self.n_items)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and scores of the k best items of each row, best first."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def recency_votes(histories: Sequence[np.ndarray], n_items: int, length: int, decay: float) -> sp.csr_matrix:
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


PairScorer = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(history rows, items) -> the channel's score of item `items[i]` for history `rows[i]`."""


@dataclass(frozen=True)
class Recalled:
    """A channel's recall for a batch of histories: each history's best items, best first (-1
    pads a short row), their scores, and a scorer of further (row, item) pairs that reuses the
    queries the recall computed (a folded-in user, a profile, a sequence state, the votes)."""

    items: np.ndarray  # int64 (len(histories), depth)
    scores: np.ndarray  # float32, same shape
    score_pairs: PairScorer

    def pair_scores(self, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        """The scores of the pairs, 0 where not finite."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        scores = self.score_pairs(rows, items)
        return np.where(np.isfinite(scores), scores, 0.0).astype(np.float32)


@runtime_checkable
class RecallChannel(Protocol):
    """One source of candidates, and everything the recommender and serving ask of it.

    `score` returns a (len(histories), n_items) float32 matrix: higher is better, 0 where the
    channel has no opinion. Histories are item indices, oldest first, and may be empty (a new
    shopper). `recall` gives each history's `depth` best items without the history's own items
    and items the channel has no opinion on, with a scorer of further pairs from the same
    queries (channels that cannot do better than scoring every item use `dense_recall`);
    `score_pairs` scores item `items[i]` for history `rows[i]` exactly as `score` would.
    `reason` names why an item follows a history (None when the channel cannot say);
    `prepare_recall` builds now what `recall` would otherwise build on its first call (an item
    index), so that a saved channel carries it. `save` writes a folder (no pickle) that the
    class's `load` reads back into a channel answering exactly the same."""

    name: str

    def fit(self, data: TrainingData) -> None: ...

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray: ...

    def recall(self, histories: Sequence[np.ndarray], depth: int) -> Recalled: ...

    def score_pairs(
        self, histories: Sequence[np.ndarray], rows: np.ndarray, items: np.ndarray
    ) -> np.ndarray: ...

    def reason(self, history: np.ndarray, item: int) -> Reason | None: ...

    def prepare_recall(self) -> None: ...

    def save(self, folder: Path) -> None: ...

    @classmethod
    def load(cls, folder: Path) -> Self: ...


class Scorer(Protocol):
    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray: ...


def dense_recall(channel: Scorer, histories: Sequence[np.ndarray], depth: int) -> Recalled:
    """The `depth` best items per history (see `RecallChannel.recall`) found by scoring every
    item once (pairs are then read from those scores): the recall of a channel with no faster
    way."""
    scores = channel.score(histories)
    own = [scores[row, history].copy() for row, history in enumerate(histories)]
    for row, history in enumerate(histories):
        scores[row, history] = -np.inf
    items, best = top_k(scores, depth)
    for row, history in enumerate(histories):  # the scores are the channel's again for the pairs
        scores[row, history] = own[row]
    return Recalled(*best_of(histories, items, best, depth), lambda rows, cols: scores[rows, cols])


def best_of(
    histories: Sequence[np.ndarray], items: np.ndarray, scores: np.ndarray, depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate rows (best first, -1 for none) cut to the `depth` best that are not the
    history's own items and score neither 0 nor non-finite; (len(histories), depth) each."""
    out_items = np.full((len(histories), depth), -1, dtype=np.int64)
    out_scores = np.zeros((len(histories), depth), dtype=np.float32)
    for row, history in enumerate(histories):
        found, found_scores = items[row], scores[row]
        keep = (found >= 0) & _usable(found, found_scores, history)
        found, found_scores = found[keep][:depth], found_scores[keep][:depth]
        out_items[row, : len(found)] = found
        out_scores[row, : len(found)] = found_scores
    return out_items, out_scores


def top_of_sparse_rows(
    matrix: sp.csr_matrix, histories: Sequence[np.ndarray], depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `depth` largest stored values (see `best_of`), ties broken by item index."""
    out_items = np.full((matrix.shape[0], depth), -1, dtype=np.int64)
    out_scores = np.zeros((matrix.shape[0], depth), dtype=np.float32)
    for row, history in enumerate(histories):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        items = matrix.indices[start:end].astype(np.int64)
        values = matrix.data[start:end]
        keep = _usable(items, values, history)
        items, values = items[keep], values[keep]
        order = np.lexsort((items, -values))[:depth]
        out_items[row, : len(order)] = items[order]
        out_scores[row, : len(order)] = values[order]
    return out_items, out_scores


def _usable(items: np.ndarray, scores: np.ndarray, history: np.ndarray) -> np.ndarray:
    """Candidates worth keeping: a finite, non-zero score and not one of the history's own items."""
    keep = np.isfinite(scores) & (scores != 0)
    if len(history):
        keep &= ~np.isin(items, history)
    return keep


def row_dots(queries: np.ndarray, rows: np.ndarray, table: np.ndarray, items: np.ndarray) -> np.ndarray:
    """`queries[rows[i]] . table[items[i]]` for every i, one matrix-vector product per query row
    (gathering a query copy per pair would move most of the memory)."""
    out = np.zeros(len(rows), dtype=np.float32)
    if len(rows) == 0:
        return out
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    bounds = np.flatnonzero(np.diff(sorted_rows)) + 1
    for segment in np.split(order, bounds):
        out[segment] = table[items[segment]] @ queries[rows[segment[0]]]
    return out


def dot_all(queries: np.ndarray, table: np.ndarray) -> np.ndarray:
    """`queries @ table.T`, (len(queries), len(table)). One query goes through a matrix-vector
    product: numpy's matrix product of a single row with a transposed table took ten times as
    long on the 2-core machine (3.9 against 0.37 ms at 6,000 x 384)."""
    if len(queries) == 1:
        return (table @ queries[0])[None, :]
    return queries @ table.T
