"""CachedEncoder: products through the embedding cache, repeated queries from memory."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.records import text_hash
from shelfwise.store import MemoryEmbeddingCache


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(dim=16)
        self.calls: list[tuple[str, ...]] = []

    def encode(self, texts: Sequence[str], kind: str = "document", progress: bool = False) -> np.ndarray:  # type: ignore[override]
        self.calls.append(tuple(texts))
        return super().encode(texts, kind, progress)  # type: ignore[arg-type]


def test_a_repeated_query_is_encoded_once_and_the_oldest_drops_out() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner, MemoryEmbeddingCache(), query_cache_size=2)
    first = encoder.encode_query("red kettle")
    again = encoder.encode_query("red kettle")
    assert again is first and not again.flags.writeable
    np.testing.assert_array_equal(first, inner.encode(["red kettle"], kind="query")[0])
    inner.calls.clear()
    encoder.encode_query("blue kettle")
    encoder.encode_query("green kettle")  # evicts red kettle
    encoder.encode_query("red kettle")
    assert inner.calls == [("blue kettle",), ("green kettle",), ("red kettle",)]


def test_the_encoder_interface_routes_queries_and_documents() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner, MemoryEmbeddingCache())
    assert encoder.version == inner.version
    queries = encoder.encode(["a", "b"], kind="query")
    assert queries.shape == (2, 16)
    documents = encoder.encode(["x", "y", "x"])
    np.testing.assert_array_equal(documents[0], documents[2])
    inner.calls.clear()
    encoder.encode(["x", "y"])
    assert inner.calls == []  # from the embedding cache


def test_many_queries_are_encoded_as_queries_and_kept_out_of_the_embedding_cache() -> None:
    """A ranker's training set encodes its queries in one call: with a document student active
    (a SplitEncoder), encoding them as documents would put them where the student does."""
    kinds: list[str] = []

    class KindRecording(HashingEncoder):
        def encode(self, texts: Sequence[str], kind: str = "document", progress: bool = False) -> np.ndarray:  # type: ignore[override]
            kinds.append(kind)
            return super().encode(texts, kind, progress)  # type: ignore[arg-type]

    inner, cache = KindRecording(16), MemoryEmbeddingCache()
    texts = ["red kettle", "blue kettle", "drill", "saw", "hammer", "tape"]
    vectors = CachedEncoder(inner, cache).encode(texts, kind="query")
    assert kinds == ["query"]
    assert vectors.shape == (6, 16) and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, HashingEncoder(16).encode(texts, kind="query"))
    assert cache.get(inner.version, [text_hash(t) for t in texts]) == {}
