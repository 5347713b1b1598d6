"""Catalog storage: the Store protocol, its backends, and `open_store` to pick one by URL."""

from __future__ import annotations

from pathlib import Path

from shelfwise.storage.urls import Databases, on_database, parse_url
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


def open_store(url: str | Path, databases: Databases | None = None, setting: str | None = None) -> Store:
    """`memory://`, `sqlite:///path/to/catalog.db` (a bare path means SQLite) or
    `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = parse_url(url, "store", setting)
    if parsed.scheme == "memory":
        return MemoryStore()
    if parsed.scheme == "postgresql":
        from shelfwise.store.postgres import PostgresStore

        return PostgresStore(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteStore(parsed.path)


def open_embedding_cache(
    url: str | Path, databases: Databases | None = None, setting: str | None = None
) -> EmbeddingCache:
    parsed = parse_url(url, "embedding cache", setting)
    if parsed.scheme == "memory":
        return MemoryEmbeddingCache()
    if parsed.scheme == "postgresql":
        from shelfwise.store.postgres import PostgresEmbeddingCache

        return PostgresEmbeddingCache(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteEmbeddingCache(parsed.path)
