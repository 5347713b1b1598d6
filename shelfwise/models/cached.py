"""Encoding of products through the embedding cache: unchanged texts are never encoded twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.models.encoder import Encoder
from shelfwise.records import Product, text_hash
from shelfwise.store.base import EmbeddingCache

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class EncodeStats:
    requested: int
    encoded: int
    cached: int


class CachedEncoder:
    """Wraps an Encoder with an EmbeddingCache keyed by (encoder version, hash of the text)."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache, chunk_size: int = 2048) -> None:
        self.encoder = encoder
        self.cache = cache
        self._chunk_size = chunk_size
        self.last_stats = EncodeStats(0, 0, 0)

    def encode_texts(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        version = self.encoder.version
        found = self.cache.get(version, hashes)
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}
        todo = list(missing.items())
        for start in range(0, len(todo), self._chunk_size):
            chunk = todo[start : start + self._chunk_size]
            vectors = self.encoder.encode([t for _, t in chunk], kind="document")
            fresh = {h: v for (h, _), v in zip(chunk, vectors, strict=True)}
            self.cache.put(version, fresh)
            found.update(fresh)
            if progress is not None:
                progress(min(start + len(chunk), len(todo)), len(todo))
        self.last_stats = EncodeStats(len(texts), len(todo), len(texts) - len(todo))
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([found[h] for h in hashes]).astype(np.float32)

    def encode_products(
        self, products: Sequence[Product], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        return self.encode_texts([p.text() for p in products], progress=progress)

    def encode_query(self, query: str) -> np.ndarray:
        return self.encoder.encode([query], kind="query")[0]
