"""Contract suite every Store and EmbeddingCache backend must pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from shelfwise.records import Product
from shelfwise.store import (
    EmbeddingCache,
    MemoryEmbeddingCache,
    MemoryStore,
    ReadCachedStore,
    SQLiteEmbeddingCache,
    SQLiteStore,
    Store,
    UpsertOutcome,
    open_embedding_cache,
    open_store,
)


@pytest.fixture(params=["memory", "sqlite", "read-cached sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store
    if request.param == "memory":
        backend = MemoryStore()
    elif request.param == "sqlite":
        backend = SQLiteStore(tmp_path / "c.db")
    elif request.param == "postgresql":
        backend = open_store(request.getfixturevalue("postgres_url"))
    else:  # room for 3 products: the suite's larger reads also evict
        backend = ReadCachedStore(SQLiteStore(tmp_path / "c.db"), max_products=3)
    yield backend
    backend.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmbeddingCache]:
    backend: EmbeddingCache
    if request.param == "postgresql":
        backend = open_embedding_cache(request.getfixturevalue("postgres_url"))
    else:
        memory = request.param == "memory"
        backend = MemoryEmbeddingCache() if memory else SQLiteEmbeddingCache(tmp_path / "e.db")
    yield backend
    backend.close()


def _product(pid: str, title: str = "Steel Kettle", price: float = 20.0) -> Product:
    return Product(product_id=pid, title=title, price=price, category=("Home", "Kitchen"))


def test_backends_satisfy_protocol(store: Store, cache: EmbeddingCache) -> None:
    assert isinstance(store, Store)
    assert isinstance(cache, EmbeddingCache)


def test_upsert_reports_inserted_updated_unchanged(store: Store) -> None:
    assert store.upsert([_product("a"), _product("b")]) == [UpsertOutcome.INSERTED] * 2
    outcomes = store.upsert([_product("a"), _product("b", price=25.0)])
    assert outcomes == [UpsertOutcome.UNCHANGED, UpsertOutcome.UPDATED]
    assert store.count() == 2
    assert store.get("b") == _product("b", price=25.0)


def test_get_many_and_missing(store: Store) -> None:
    store.upsert([_product("a"), _product("b")])
    assert set(store.get_many(["a", "zz", "b"])) == {"a", "b"}
    assert store.get("zz") is None


def test_delete_returns_only_existing(store: Store) -> None:
    store.upsert([_product("a"), _product("b")])
    assert store.delete(["a", "zz"]) == ["a"]
    assert store.get("a") is None
    assert store.count() == 1


def test_iter_products_in_id_order_across_batches(store: Store) -> None:
    store.upsert([_product(f"p{i:03d}") for i in reversed(range(25))])
    ids = [p.product_id for p in store.iter_products(batch_size=7)]
    assert ids == [f"p{i:03d}" for i in range(25)]


def test_change_log_keeps_latest_state_per_product(store: Store) -> None:
    assert store.last_seq() == 0
    store.upsert([_product("a"), _product("b")])
    mark = store.last_seq()
    assert mark == 2
    store.upsert([_product("a", price=1.0)])
    store.delete(["b"])
    store.upsert([_product("a")])  # a third change of 'a'; only the latest is listed
    changes = store.changes_since(mark)
    assert [(c.product_id, c.deleted) for c in changes] == [("b", True), ("a", False)]
    assert changes[-1].seq == store.last_seq()
    assert store.changes_since(store.last_seq()) == []


def test_unchanged_upsert_does_not_bump_sequence(store: Store) -> None:
    store.upsert([_product("a")])
    seq = store.last_seq()
    store.upsert([_product("a")])
    assert store.last_seq() == seq


def test_documents_roundtrip(store: Store) -> None:
    assert store.get_document("ingest:last") is None
    store.put_document("ingest:last", '{"n": 1}')
    store.put_document("ingest:last", '{"n": 2}')
    assert store.get_document("ingest:last") == '{"n": 2}'


def test_embedding_cache_keys_by_model_version(cache: EmbeddingCache) -> None:
    vector = np.arange(4, dtype=np.float32)
    cache.put("m1", {"h1": vector})
    assert cache.get("m2", ["h1"]) == {}
    found = cache.get("m1", ["h1", "h2"])
    assert list(found) == ["h1"]
    np.testing.assert_array_equal(found["h1"], vector)


def test_sqlite_store_survives_reopen(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "c.db")
    first.upsert([_product("a")])
    first.close()
    second = open_store(f"sqlite:///{tmp_path / 'c.db'}")
    assert second.get("a") == _product("a")
    assert second.last_seq() == 1
    second.close()


def test_sqlite_batch_is_atomic(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")

    class Boom(Product):
        def content_hash(self) -> str:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.upsert([_product("a"), Boom(product_id="b", title="x")])
    assert store.count() == 0
    assert store.last_seq() == 0
    store.close()


def test_open_store_rejects_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="unsupported store URL"):
        open_store("redis://localhost")


def test_read_cache_sees_changes_made_by_another_process(tmp_path: Path) -> None:
    cached = ReadCachedStore(SQLiteStore(tmp_path / "c.db"), max_products=10)
    other = SQLiteStore(tmp_path / "c.db")  # another process's connection to the same catalog
    try:
        cached.upsert([_product("a"), _product("b")])
        assert cached.get("a") is cached.get("a")  # the second read is served from memory
        other.upsert([_product("a", title="Copper Kettle")])
        other.delete(["b"])
        assert cached.get("a").title == "Copper Kettle"  # type: ignore[union-attr]
        assert cached.get("b") is None and cached.get_many(["a", "b"]).keys() == {"a"}
    finally:
        other.close()
        cached.close()


def test_read_cache_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        ReadCachedStore(MemoryStore(), max_products=0)


def test_batch_is_atomic(store: Store) -> None:
    class Boom(Product):
        def content_hash(self) -> str:
            raise RuntimeError("disk full")

    store.upsert([_product("a")])
    seq = store.last_seq()
    with pytest.raises(RuntimeError):
        store.upsert([_product("b"), _product("a", price=2.0), Boom(product_id="c", title="x")])
    assert [p.product_id for p in store.iter_products()] == ["a"] and store.get("a") == _product("a")
    assert store.last_seq() == seq and store.changes_since(seq) == []


def test_embedding_cache_keeps_every_float_and_replaces_by_key(cache: EmbeddingCache) -> None:
    rng = np.random.default_rng(7)
    vectors = {f"h{i}": rng.standard_normal(384).astype(np.float32) for i in range(50)}
    cache.put("m1", vectors)
    cache.put("m1", {"h0": np.ones(384, dtype=np.float32)})
    found = cache.get("m1", list(vectors) + ["missing"])
    assert set(found) == set(vectors)
    np.testing.assert_array_equal(found["h0"], np.ones(384, dtype=np.float32))
    for key in list(vectors)[1:]:
        np.testing.assert_array_equal(found[key], vectors[key])
        assert found[key].dtype == np.float32
