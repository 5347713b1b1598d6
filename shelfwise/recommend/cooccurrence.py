"""Item co-occurrence over shoppers' sequences: the strong, cheap baseline every recommender
must beat, and a channel of ours.

Two items co-occur when one shopper interacted with both. A pair's weight falls with the
distance between the two positions (`distance_decay`), and pairs read backwards in time count
`backward_weight` of pairs read forwards (what people do *after* X predicts the next item better
than what they did before it). A history is scored through its `history_length` most recent
items, the most recent weighing most (`history_decay`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import (
    load_csr,
    read_channel_manifest,
    save_csr,
    shape_of,
    write_channel_manifest,
)
from shelfwise.recommend.channel import Recalled, TrainingData, top_of_sparse_rows
from shelfwise.recommend.reasons import Reason


class CooccurrenceConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    window: int = Field(default=50, ge=1, description="pairs at most this many positions apart")
    distance_decay: float = Field(default=1.0, ge=0, description="pair weight = 1 / distance ** decay")
    backward_weight: float = Field(default=0.5, ge=0, le=1, description="weight of later -> earlier pairs")
    history_length: int = Field(default=10, ge=1, description="most recent history items that vote")
    history_decay: float = Field(
        default=1.0, ge=0, description="vote of the j-th most recent = 1 / j ** decay"
    )


class CooccurrenceChannel:
    name = "cooccurrence"

    def __init__(self, config: CooccurrenceConfig | None = None) -> None:
        self.config = config or CooccurrenceConfig()
        self.matrix: sp.csr_matrix | None = None

    def fit(self, data: TrainingData) -> None:
        cfg = self.config
        self.matrix = pair_matrix(
            data.sequences, data.n_items, cfg.window, cfg.distance_decay, cfg.backward_weight
        )

    def _votes(self, histories: Sequence[np.ndarray]) -> sp.csr_matrix:
        cfg = self.config
        rows, cols, vals = [], [], []
        for r, history in enumerate(histories):
            recent = np.asarray(history[-cfg.history_length :])[::-1]
            rows.append(np.full(len(recent), r))
            cols.append(recent)
            vals.append(1.0 / np.arange(1, len(recent) + 1, dtype=np.float64) ** cfg.history_decay)
        assert self.matrix is not None, "fit the channel first"
        n_items = self.matrix.shape[0]
        if not rows:
            return sp.csr_matrix((len(histories), n_items), dtype=np.float32)
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(histories), n_items),
            dtype=np.float32,
        )

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        assert self.matrix is not None, "fit the channel first"
        return np.asarray((self._votes(histories) @ self.matrix).todense(), dtype=np.float32)

    def recall(self, histories: Sequence[np.ndarray], depth: int) -> Recalled:
        """Only the co-occurrence rows of the histories' recent items are read."""
        assert self.matrix is not None, "fit the channel first"
        scores = (self._votes(histories) @ self.matrix).tocsr()
        return Recalled(
            *top_of_sparse_rows(scores, histories, depth),
            lambda rows, items: np.asarray(scores[rows, items], dtype=np.float32).ravel(),
        )

    def score_pairs(self, histories: Sequence[np.ndarray], rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        assert self.matrix is not None, "fit the channel first"
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        scores = (self._votes(histories) @ self.matrix).tocsr()
        return np.asarray(scores[rows, items], dtype=np.float32).ravel()

    def _strength(self, anchor: int, item: int) -> float:
        """matrix[anchor, item], by a binary search in the anchor's row (scipy's indexing of a
        single element costs about half a millisecond)."""
        assert self.matrix is not None
        if not self.matrix.has_sorted_indices:
            self.matrix.sort_indices()
        start, end = self.matrix.indptr[anchor], self.matrix.indptr[anchor + 1]
        columns = self.matrix.indices[start:end]
        at = int(np.searchsorted(columns, item))
        return float(self.matrix.data[start + at]) if at < len(columns) and columns[at] == item else 0.0

    def reason(self, history: np.ndarray, item: int) -> Reason | None:
        """The recent history item that co-occurs most with `item`."""
        assert self.matrix is not None, "fit the channel first"
        recent = np.asarray(history[-self.config.history_length :])
        if len(recent) == 0:
            return None
        strengths = np.array([self._strength(int(r), item) for r in recent])
        best = int(np.argmax(strengths))
        if strengths[best] <= 0:
            return None
        return Reason("bought_with", int(recent[best]))

    def prepare_recall(self) -> None:
        """Nothing to build: recall reads the co-occurrence rows of the histories' items."""

    def save(self, folder: Path) -> None:
        """manifest.json and the co-occurrence matrix as CSR arrays."""
        assert self.matrix is not None, "fit the channel first"
        folder.mkdir(parents=True, exist_ok=True)
        save_csr(folder, "matrix", self.matrix)
        write_channel_manifest(folder, self.name, self.config, {"matrix": list(self.matrix.shape)})

    @classmethod
    def load(cls, folder: Path) -> CooccurrenceChannel:
        manifest = read_channel_manifest(folder, cls.name)
        channel = cls(CooccurrenceConfig.model_validate(manifest["config"]))
        channel.matrix = load_csr(folder, "matrix", shape_of(manifest, "matrix"))
        return channel


def pair_matrix(
    sequences: Iterable[np.ndarray],
    n_items: int,
    window: int,
    distance_decay: float = 1.0,
    backward_weight: float = 1.0,
) -> sp.csr_matrix:
    """items x items: every pair of positions at most `window` apart in one sequence adds
    1 / distance ** `distance_decay` (pairs read backwards `backward_weight` of it); no diagonal.
    With decay 0, backward weight 1 and sequences of distinct items, entry (a, b) counts the
    sequences that hold both."""
    rows, cols, weights = [], [], []
    for seq in sequences:
        n = len(seq)
        if n < 2:
            continue
        pos = np.arange(n)
        a, b = np.meshgrid(pos, pos, indexing="ij")
        keep = (a != b) & (np.abs(a - b) <= window)
        a, b = a[keep], b[keep]
        w = 1.0 / np.abs(a - b).astype(np.float64) ** distance_decay
        w = np.where(b > a, w, w * backward_weight)
        rows.append(seq[a])
        cols.append(seq[b])
        weights.append(w)
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    matrix = sp.coo_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(n_items, n_items)
    ).tocsr()
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    return matrix.astype(np.float32)
