"""Catalog storage: the Store protocol, its backends, and `open_store` to pick one by URL."""

from __future__ import annotations

from pathlib import Path

from shelfwise.store.base import Change, EmbeddingCache, Store, UpsertOutcome
from shelfwise.store.memory import MemoryEmbeddingCache, MemoryStore
from shelfwise.store.read_cache import ReadCachedStore
from shelfwise.store.sqlite import SQLiteEmbeddingCache, SQLiteStore

__all__ = [
    "Change",
    "EmbeddingCache",
    "MemoryEmbeddingCache",
    "MemoryStore",
    "ReadCachedStore",
    "SQLiteEmbeddingCache",
    "SQLiteStore",
    "Store",
    "UpsertOutcome",
    "open_embedding_cache",
    "open_store",
]


def open_store(url: str) -> Store:
    """`memory://` or `sqlite:///path/to/catalog.db` (a bare path means SQLite)."""
    if url == "memory://":
        return MemoryStore()
    if url.startswith("sqlite:///"):
        return SQLiteStore(Path(url.removeprefix("sqlite:///")))
    if "://" in url:
        raise ValueError(f"unsupported store URL '{url}': use memory:// or sqlite:///PATH")
    return SQLiteStore(Path(url))


def open_embedding_cache(url: str) -> EmbeddingCache:
    if url == "memory://":
        return MemoryEmbeddingCache()
    return SQLiteEmbeddingCache(Path(url.removeprefix("sqlite:///")))
