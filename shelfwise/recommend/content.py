"""Text similarity: items whose titles read like what the shopper looked at recently.

A history's profile is the recency-weighted sum of its `history_length` most recent items' text
vectors (the j-th most recent weighs 1 / j ** `history_decay`); an item's score is the cosine
between the profile and its vector. Scores do not depend on events, so an item nobody has
touched yet scores like any other: this channel is what brings cold-start items in. Items without
text (a zero vector) and empty histories score 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import load_array, read_channel_manifest, save_array, write_channel_manifest
from shelfwise.recommend.channel import Recalled, TrainingData, best_of, dot_all, recency_votes, row_dots
from shelfwise.recommend.item_index import ItemIndex, ItemIndexConfig
from shelfwise.recommend.reasons import Reason


class ContentConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    history_length: int = Field(default=10, ge=1, description="most recent history items in the profile")
    history_decay: float = Field(
        default=2.0, ge=0, description="weight of the j-th most recent item = 1 / j ** decay"
    )
    item_index: ItemIndexConfig = Field(default_factory=ItemIndexConfig)


class ContentChannel:
    name = "content"

    def __init__(self, config: ContentConfig | None = None) -> None:
        self.config = config or ContentConfig()
        self.vectors: np.ndarray | None = None
        self._item_index: ItemIndex | None = None

    def fit(self, data: TrainingData) -> None:
        if data.item_vectors is None:
            raise ValueError("the content channel needs item text vectors (TrainingData.item_vectors)")
        if data.item_vectors.shape[0] != data.n_items:
            raise ValueError(f"item_vectors has {data.item_vectors.shape[0]} rows for {data.n_items} items")
        self.vectors = np.ascontiguousarray(data.item_vectors, dtype=np.float32)
        self._item_index = None

    def profiles(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """Unit-length profile of each history (zeros where it has no items with text)."""
        assert self.vectors is not None, "fit the channel first"
        cfg = self.config
        votes = recency_votes(histories, len(self.vectors), cfg.history_length, cfg.history_decay)
        profiles = np.asarray(votes @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(profiles, axis=1, keepdims=True)
        return np.divide(profiles, norms, out=np.zeros_like(profiles), where=norms > 1e-12)

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        assert self.vectors is not None, "fit the channel first"
        return dot_all(self.profiles(histories), self.vectors)

    def prepare_recall(self) -> None:
        self._recall_index()

    def _recall_index(self) -> ItemIndex:
        """The item index `recall` searches, built now if it is not yet (fitting drops it)."""
        assert self.vectors is not None, "fit the channel first"
        if self._item_index is None:
            self._item_index = ItemIndex(self.vectors, "sq8", self.config.item_index)
        return self._item_index

    def recall(self, histories: Sequence[np.ndarray], depth: int) -> Recalled:
        """Nearest text vectors to each profile (exact, or IVF with one byte a coordinate)."""
        assert self.vectors is not None, "fit the channel first"
        index = self._recall_index()
        longest = max((len(h) for h in histories), default=0)
        profiles = self.profiles(histories)
        items, scores = index.search(profiles, depth + longest)
        vectors = self.vectors
        return Recalled(
            *best_of(histories, items, scores, depth), lambda r, i: row_dots(profiles, r, vectors, i)
        )

    def score_pairs(self, histories: Sequence[np.ndarray], rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        assert self.vectors is not None, "fit the channel first"
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return row_dots(self.profiles(histories), rows, self.vectors, items)

    def reason(self, history: np.ndarray, item: int) -> Reason | None:
        """The recent history item whose text is closest to the item's."""
        assert self.vectors is not None, "fit the channel first"
        recent = np.unique(np.asarray(history, dtype=np.int64)[-self.config.history_length :])
        recent = recent[recent != item]
        if len(recent) == 0:
            return None
        similarity = self.vectors[recent] @ self.vectors[item]
        best = int(np.argmax(similarity))
        return Reason("similar_to", int(recent[best])) if similarity[best] > 0 else None

    def save(self, folder: Path) -> None:
        """manifest.json, the text vectors and the item index when it was built."""
        assert self.vectors is not None, "fit the channel first"
        folder.mkdir(parents=True, exist_ok=True)
        save_array(folder, "vectors", self.vectors)
        if self._item_index is not None:
            self._item_index.save(folder / "item_index")
        sizes = {"items": len(self.vectors), "dim": int(self.vectors.shape[1])}
        write_channel_manifest(folder, self.name, self.config, sizes, item_index=self._item_index is not None)

    @classmethod
    def load(cls, folder: Path) -> ContentChannel:
        manifest = read_channel_manifest(folder, cls.name)
        channel = cls(ContentConfig.model_validate(manifest["config"]))
        channel.vectors = load_array(folder, "vectors")
        channel._item_index = ItemIndex.load(folder / "item_index") if manifest["item_index"] else None
        return channel
