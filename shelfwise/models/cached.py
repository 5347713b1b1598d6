"""Encoding of products through the embedding cache: unchanged texts are never encoded twice."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.models.encoder import Encoder, TextKind
from shelfwise.progress import StageProgress
from shelfwise.records import Product, text_hash
from shelfwise.store.base import EmbeddingCache


@dataclass(frozen=True)
class EncodeStats:
    requested: int
    encoded: int
    cached: int


class CachedEncoder:
    """Wraps an Encoder with an EmbeddingCache keyed by (encoder version, hash of the text)."""

    def __init__(
        self, encoder: Encoder, cache: EmbeddingCache, chunk_size: int = 2048, query_cache_size: int = 4096
    ) -> None:
        """`query_cache_size` recent query vectors are kept in memory: a repeated query (the
        next page, a shopper's retry, the ranking stage after retrieval) is not encoded again."""
        self.encoder = encoder
        self.cache = cache
        self._chunk_size = chunk_size
        self.last_stats = EncodeStats(0, 0, 0)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size
        self._queries_lock = threading.Lock()

    def encode_texts(self, texts: Sequence[str], progress: StageProgress | None = None) -> np.ndarray:
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
        self, products: Sequence[Product], progress: StageProgress | None = None
    ) -> np.ndarray:
        return self.encode_texts([p.text() for p in products], progress=progress)

    def encode_query(self, query: str) -> np.ndarray:
        with self._queries_lock:
            vector = self._queries.get(query)
            if vector is not None:
                self._queries.move_to_end(query)
                return vector
        vector = self.encoder.encode([query], kind="query")[0]
        vector.setflags(write=False)  # shared between callers
        with self._queries_lock:
            self._queries[query] = vector
            while len(self._queries) > self._query_cache_size:
                self._queries.popitem(last=False)
        return vector

    @property
    def version(self) -> str:
        return self.encoder.version

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        """A few queries go through the query cache one by one, many (a ranker's training set) to
        the encoder as one batch of queries; documents go through the embedding cache."""
        if kind == "query" and len(texts) <= 4:
            return np.stack([self.encode_query(t) for t in texts]) if texts else self.encoder.encode([], kind)
        if kind == "query":  # not as documents: a document student would encode them otherwise
            return np.asarray(self.encoder.encode(list(texts), kind="query", progress=progress), np.float32)
        return self.encode_texts(list(texts))
