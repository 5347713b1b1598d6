"""Sharded search equals one index (issue 29 part 4), without Ray: the demo shop split into
S = 1, 2 and 3 in-process shards answers the demo queries with the same top-10 in the same
order, the same scores (to float32 rounding: 1e-6 relative), the same totals and facet counts;
a shard that does not answer makes the answer partial, naming it. Plus the pure pieces: hash
partitioning, the top-k merge, BM25 statistics and padding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sharded_shop import FACETS, TIE, demo_requests, demo_shop, same_answer

from shelfwise.config import LexicalConfig
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.index.lexical import LexicalIndex
from shelfwise.index.lexical_shard import LexicalShard, LexicalStats, bm25_idf, total_stats
from shelfwise.index.shards import Scored, merge_top_k, partition, shard_of
from shelfwise.records import Filters, Hit, PriceRange, Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.search.learned_fusion import LearnedFusion
from shelfwise.search.sharded import InProcessFanout, SearchShard, ShardedRecall, build_shards
from shelfwise.search.sharded_engine import ShardedModeError, ShardedSearchEngine


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchEngine, list[Product]]:
    return demo_shop(tmp_path_factory.mktemp("shop"))


def shards_of(shop: tuple[SearchEngine, list[Product]], count: int) -> list[SearchShard]:
    engine, products = shop
    ids, matrix = engine._require().vector.live_rows()
    return build_shards(products, (ids, matrix), count, (engine.lexical_config, engine.vector_config))


@pytest.mark.parametrize("count", [1, 2, 3])
def test_sharded_search_equals_one_index(shop: tuple[SearchEngine, list[Product]], count: int) -> None:
    engine, products = shop
    sharded = ShardedRecall.connect(InProcessFanout(shards_of(shop, count)), engine.lexical_config)
    for request in demo_requests(products):
        whole = engine.search(request)
        engine.recall = sharded
        try:
            answer, missing = engine.search_reporting(request)
        finally:
            engine.recall = None
        assert missing == frozenset()
        assert whole.hits, request.query
        same_answer(answer, whole)


def test_a_shard_that_does_not_answer_makes_the_answer_partial(
    shop: tuple[SearchEngine, list[Product]],
) -> None:
    engine, products = shop
    shards = shards_of(shop, 3)
    fanout = InProcessFanout(shards)
    engine.recall = ShardedRecall.connect(fanout, engine.lexical_config)
    request = SearchRequest(query="wireless headphones", facets=["brand"])
    try:
        fanout.down = frozenset({1})
        answer, missing = engine.search_reporting(request)
        fanout.down = frozenset()
        complete, none_missing = engine.search_reporting(request)
    finally:
        engine.recall = None
    assert missing == frozenset({1}) and none_missing == frozenset()
    assert answer.missing_shards == [1] and complete.missing_shards == []  # in the answer a client gets
    lost = {p.product_id for p in products if shard_of(p.product_id, 3) == 1}
    found = {h.product.product_id for h in answer.hits}
    assert found and not found & lost  # what the others hold, flagged partial, never shard 1's
    assert {h.product.product_id for h in complete.hits} & lost


def test_the_shard_of_an_id_is_stable_and_partitions_cover_the_catalog() -> None:
    assert [shard_of(pid, 3) for pid in ("SW-000001", "SW-000002", "a", "")] == [
        shard_of(pid, 3) for pid in ("SW-000001", "SW-000002", "a", "")
    ]
    assert shard_of("SW-000001", 1) == 0
    ids = [f"SW-{i:06d}" for i in range(3000)]
    parts = partition(ids, 3)
    assert sorted(i for part in parts for i in part) == list(range(3000))
    assert all(900 < len(part) < 1100 for part in parts)  # a hash spreads them evenly
    assert all(shard_of(ids[i], 3) == s for s, part in enumerate(parts) for i in part)
    with pytest.raises(ValueError, match="at least 1"):
        shard_of("x", 0)


def test_merge_keeps_the_best_and_decides_ties_by_ordinal() -> None:
    a = [Scored("a", 3.0, 5), Scored("b", 1.0, 0)]
    b = [Scored("c", 3.0, 2), Scored("d", 2.0, 1), Scored("a", 2.5, 5)]
    assert [c.product_id for c in merge_top_k([a, b], 3)] == ["c", "a", "d"]
    assert [c.product_id for c in merge_top_k([a, b], 2, later_first=True)] == ["a", "c"]
    assert merge_top_k([a, b], 0) == []


def test_padding_gives_every_shard_the_whole_index_statistics() -> None:
    products = generate_demo_catalog(120, seed=3)
    config = LexicalConfig()
    parts = partition([p.product_id for p in products], 2)
    shards = [LexicalShard.build([products[i] for i in part], part, config) for part in parts]
    total = total_stats(s.stats for s in shards)
    assert total.docs == 120 and total.tokens["title"] > 120
    assert total == LexicalStats(120, dict(total.tokens))
    for shard in shards:
        shard.pad(total)
        assert shard.index.searcher().num_docs == 120  # N is the whole catalog's
        assert shard.fuzzy_terms() and all("shelfwisepadding" not in t for t in shard.fuzzy_terms())
        with pytest.raises(RuntimeError, match="padded already"):
            shard.pad(total)
    with pytest.raises(ValueError, match="smaller"):
        LexicalShard.build(products[:10], list(range(10)), config).pad(LexicalStats(5, {}))


def test_a_shard_scores_with_the_whole_index_bm25(tmp_path: Path) -> None:
    """At the recall level, for S = 2 and 3: each query's 50 best are one index's, to rounding."""
    products = generate_demo_catalog(300, seed=11)
    config = LexicalConfig()
    whole = LexicalIndex.create(None, config)
    whole.upsert(products)
    queries = ["wireless headphones", "red dress", "stainless kettle", "wireles headphnes", products[9].title]
    for count in (2, 3):
        parts = partition([p.product_id for p in products], count)
        shards = [LexicalShard.build([products[i] for i in part], part, config) for part in parts]
        total = total_stats(s.stats for s in shards)
        for shard in shards:
            shard.pad(total)
        reader = whole.reader()
        for query in queries:
            pairs = reader.frequencies_needed(query, ())
            counts = np.sum([s.doc_freqs(pairs) for s in shards], axis=0).tolist()
            freq = dict(zip(pairs, counts, strict=True))
            clauses = reader.clauses(query, (), lambda f, t, freq=freq: freq[(f, t)])
            frequencies = [freq[(c.field, c.token)] for c in clauses]
            merged = merge_top_k([s.search(clauses, frequencies, 50) for s in shards], 50)
            want = whole.search(query, 50)
            assert len(merged) == len(want) > 0
            for got, one in zip(merged, want, strict=True):
                assert got.score == pytest.approx(one.score, rel=TIE)
            assert {c.product_id for c in merged} == {h.product_id for h in want}, query


def test_idf_is_tantivys() -> None:
    assert bm25_idf(1, 10) == pytest.approx(np.log(1 + 9.5 / 1.5), rel=1e-6)
    assert bm25_idf(5, 5) > 0


def browse_requests(products: list[Product]) -> list[SearchRequest]:
    """No query: the whole catalog, filtered, sorted, a later page, attribute facets."""
    category = " > ".join(products[10].category[:1])
    return [
        SearchRequest(query="", facets=[*FACETS, "attr:color"]),
        SearchRequest(query="", facets=FACETS, filters=Filters(category=category)),
        SearchRequest(query="  ", facets=FACETS, sort="price_desc", page=3, page_size=7),
        SearchRequest(query="", facets=FACETS, filters=Filters(price=PriceRange(max=40)), sort="rating"),
    ]


@pytest.mark.parametrize("count", [2, 3])
def test_a_replica_holding_no_index_answers_as_the_one_index(
    shop: tuple[SearchEngine, list[Product]], count: int
) -> None:
    """`ShardedSearchEngine` opens only the version's manifest, analysis and understanding; its
    table and title terms hold the query's candidates only, and browsing merges the shards'
    totals, facets and pages."""
    engine, products = shop
    sharded = ShardedRecall.connect(InProcessFanout(shards_of(shop, count)), engine.lexical_config)
    replica = ShardedSearchEngine(
        engine.store, engine.encoder, engine.registry.root, recall=sharded, language=engine.language
    )
    replica.open(build=False)
    assert replica.manifest() == engine.manifest() and not replica._require().table.ids  # no products
    try:
        for limit in (100_000, 50):  # the table of recalled products kept, or started again
            replica.VIEW_PRODUCTS = limit
            for request in [*demo_requests(products), *browse_requests(products)]:
                whole, answer = engine.search(request), replica.search(request)
                assert whole.hits, request
                same_answer(answer, whole)
                assert answer.missing_shards == [] and answer.interpretation == whole.interpretation
                assert [explained(h) for h in answer.hits] == [explained(h) for h in whole.hits]
            held = len(replica._require().table.ids)
            assert 0 < held < len(products) if limit > len(products) else held == 0
        assert replica.suggest("wir") == engine.suggest("wir")
    finally:
        replica.close()


def test_what_needs_the_whole_catalog_is_refused_in_sharded_mode(
    shop: tuple[SearchEngine, list[Product]],
) -> None:
    engine, _ = shop
    sharded = ShardedRecall.connect(InProcessFanout(shards_of(shop, 2)), engine.lexical_config)
    replica = ShardedSearchEngine(engine.store, engine.encoder, engine.registry.root, recall=sharded)
    replica.open(build=False)
    try:
        with pytest.raises(ShardedModeError, match="translating a query"):
            replica.search(SearchRequest(query="无线耳机"))
        with pytest.raises(ShardedModeError, match="index builds are unavailable"):
            replica.rebuild()
    finally:
        replica.close()
    model = LearnedFusion.__new__(LearnedFusion)  # a published model's name is all it reads
    model.version = "fusion-1"
    with pytest.raises(ShardedModeError, match=r"learned fusion \(fusion-1\)"):
        ShardedSearchEngine(
            engine.store, engine.encoder, engine.registry.root, recall=sharded, learned_fusion=model
        )
    empty = ShardedSearchEngine(engine.store, engine.encoder, engine.registry.root / "none", recall=sharded)
    with pytest.raises(ShardedModeError, match="index builds are unavailable"):
        empty.open(build=True)
    assert empty.open(build=False) is None


def explained(hit: Hit) -> tuple[object, ...] | None:
    """What an explanation says besides scores and ranks (`same_answer`'s: to float32 rounding, so
    an exact tie of BM25 scores may be ranked either way)."""
    e = hit.explanation
    return None if e is None else (e.matched_terms, e.fusion, e.filters_applied)


def test_what_sharded_mode_refuses_is_a_501_naming_it() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from shelfwise.serve.errors import RequestContextMiddleware, install_error_handlers

    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.post("/search")
    def search() -> None:
        raise ShardedModeError("learned fusion (f1) reads the whole catalog's title terms")

    answer = TestClient(app).post("/search")
    assert answer.status_code == 501
    assert answer.json()["error"] == "learned fusion (f1) reads the whole catalog's title terms"
    assert "shards" in answer.json()["detail"]
