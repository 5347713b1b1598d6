"""Shards built from a published index version and the shop's catalog store, as a shard actor
builds them in its own process (issue 29: sharded search served over HTTP), without Ray: the
version's vector rows of a shard (memory-mapped, or the whole index loaded when the rows live in
index.faiss or delta files) and its catalog products, and recall through such shards equal to
the one index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sharded_shop import FACETS, JitteredEncoder, demo_requests, same_answer

from shelfwise.cluster.shard_actors import parse_shard_name, shard_name, wanted_names
from shelfwise.cluster.shard_source import VersionShard, shard_products, shard_vectors, version_index
from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.index.lexical_shard import total_stats
from shelfwise.index.shards import shard_of
from shelfwise.index.vector import VectorIndex
from shelfwise.models import CachedEncoder
from shelfwise.records import SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.search.sharded import InProcessFanout, ShardedRecall
from shelfwise.store import MemoryEmbeddingCache, SQLiteStore


def _index(count: int, dim: int = 8, seed: int = 3) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(count, dim)).astype(np.float32)
    return [f"P{i:04d}" for i in range(count)], matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _expected(index: VectorIndex, number: int, count: int) -> tuple[list[str], np.ndarray, list[int]]:
    """What a shard holds: the live rows (in row order) whose id hashes to it, ordinals their
    positions among the live rows (as `start_shards` takes them from `live_rows`)."""
    ids, matrix = index.live_rows()
    mine = [i for i, pid in enumerate(ids) if shard_of(pid, count) == number]
    return [ids[i] for i in mine], matrix[mine], mine


@pytest.mark.parametrize("layout", ["flat", "flat with a delta", "ivf", "hnsw"])
def test_a_shard_reads_its_rows_of_every_saved_layout(tmp_path: Path, layout: str) -> None:
    config = VectorConfig(exact_max_items=10_000 if layout.startswith("flat") else 50,
                          approximate="hnsw" if layout == "hnsw" else "ivf", ivf_lists=4)  # fmt: skip
    ids, matrix = _index(300)
    index = VectorIndex.build(ids, matrix, 8, config)
    index.save(tmp_path)
    if layout == "flat with a delta":  # a replaced row, a new one and a deleted one, in delta-00001.npz
        index.upsert(["P0003", "P9999"], _index(2, seed=9)[1])
        index.delete(["P0010"])
        index.save(tmp_path)
        assert list(tmp_path.glob("delta-*.npz"))
    assert index.kind == layout.split()[0]
    for number in range(3):
        got_ids, got, ordinals = shard_vectors(tmp_path, config, number, 3)
        want_ids, want, want_ordinals = _expected(VectorIndex.load(tmp_path, config), number, 3)
        assert got_ids == want_ids and ordinals == want_ordinals and len(got_ids) > 50
        np.testing.assert_array_equal(got, want)


def test_a_shard_takes_its_catalog_products_with_their_catalog_positions() -> None:
    catalog = generate_demo_catalog(60, seed=2)
    parts = [shard_products(catalog, n, 2) for n in range(2)]
    assert sorted(o for _, ordinals in parts for o in ordinals) == list(range(60))
    for number, (products, ordinals) in enumerate(parts):
        assert [catalog[o] for o in ordinals] == products
        assert all(shard_of(p.product_id, 2) == number for p in products)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SearchEngine]:
    """A data folder whose catalog is a SQLite store and whose index is published under indexes/."""
    folder = tmp_path_factory.mktemp("version")
    store = SQLiteStore(folder / "catalog.db")
    store.upsert(generate_demo_catalog(300, seed=7))
    encoder = CachedEncoder(JitteredEncoder(), MemoryEmbeddingCache())
    engine = SearchEngine(store, encoder, folder / "indexes")
    engine.open()
    return folder, engine


@pytest.mark.parametrize("count", [2, 3])
def test_shards_built_from_a_published_version_answer_as_its_one_index(
    published: tuple[Path, SearchEngine], count: int
) -> None:
    folder, engine = published
    config = (LexicalConfig(), VectorConfig())
    shards = [VersionShard(folder, f"sqlite:///{folder / 'catalog.db'}", n, count, config).build()
              for n in range(count)]  # fmt: skip
    assert sum(len(s.vector.ordinals) for s in shards) == 300
    total = total_stats(s.stats() for s in shards)
    for shard in shards:
        shard.pad(total)
    recall = ShardedRecall.connect(InProcessFanout(shards), config[0])
    products = list(engine.store.iter_products())
    for request in [*demo_requests(products), SearchRequest(query="kettle", facets=FACETS)]:
        engine.recall = None
        whole = engine.search(request)
        engine.recall = recall
        sharded, missing = engine.search_reporting(request)
        engine.recall = None
        assert missing == frozenset() and sharded.missing_shards == []
        same_answer(sharded, whole)


def test_a_folder_without_a_published_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no published index"):
        version_index(tmp_path)


def test_shard_actor_names_carry_version_shard_and_replica() -> None:
    name = shard_name("v2.1", 1, 3, 0)
    assert parse_shard_name(name) == ("v2.1", 1, 3, 0)
    assert parse_shard_name("SERVE_REPLICA::shelfwise#ShopReplica#abc") is None
    names = wanted_names("v1", 2, 2)
    assert [[parse_shard_name(n) for n in group] for group in names] == [
        [("v1", 0, 2, 0), ("v1", 0, 2, 1)],
        [("v1", 1, 2, 0), ("v1", 1, 2, 1)],
    ]


class _Actor:
    """Stands for a Ray actor handle: `call.remote(...)` gives a reference (here the call)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.call = self

    def remote(self, *args: object) -> tuple[str, tuple[object, ...]]:
        return self.name, args


def test_a_shard_with_no_actor_left_is_looked_up_again_at_most_every_few_seconds() -> None:
    from shelfwise.cluster.sharded_search import RayFanout

    asked: list[int] = []
    restarted: list[list[Any]] = [[]]

    def lookup(shard: int) -> list[Any]:
        asked.append(shard)
        return restarted[0]

    fanout = RayFanout([[_Actor("a0")], []], lookup=lookup, lookup_every_s=3600)
    assert fanout._submit(0, "stats", ()) is not None and asked == []  # a live actor: no lookup
    assert fanout._submit(1, "stats", ()) is None and asked == [1]  # none left: looked up, none found
    restarted[0] = [_Actor("a1")]
    assert fanout._submit(1, "stats", ()) is None and asked == [1]  # not again within the period
    fanout.looked_at.clear()  # the period has passed
    submitted = fanout._submit(1, "stats", ())
    assert submitted is not None and submitted[0].name == "a1" and asked == [1, 1]
    assert fanout.replicas[1] == restarted[0]  # kept: the next calls use it without a lookup
