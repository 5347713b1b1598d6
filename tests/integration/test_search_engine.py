"""The SearchEngine end to end with the bundled MiniLM on a small catalog with known answers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from shelfwise.config import FusionConfig, Settings, VectorConfig
from shelfwise.index import VectorIndex
from shelfwise.models import CachedEncoder
from shelfwise.records import Filters, PriceRange, Product, SearchRequest
from shelfwise.search import IndexNotReadyError, SearchEngine
from shelfwise.service import Shelfwise
from shelfwise.store import MemoryEmbeddingCache, MemoryStore, SQLiteEmbeddingCache

CATALOG = [
    Product(
        product_id="hp1",
        title="Voltrix Wireless Noise Cancelling Over-Ear Headphones",
        brand="Voltrix",
        category=("Electronics", "Audio", "Headphones"),
        price=149.0,
        attributes={"color": "black"},
    ),
    Product(
        product_id="hp2",
        title="Sonara Wired Studio Headphones",
        brand="Sonara",
        category=("Electronics", "Audio", "Headphones"),
        price=59.0,
        attributes={"color": "white"},
    ),
    Product(
        product_id="eb1",
        title="Voltrix True Wireless Earbuds",
        brand="Voltrix",
        category=("Electronics", "Audio", "Earbuds"),
        price=89.0,
        in_stock=False,
    ),
    Product(
        product_id="dr1",
        title="Aurelle Red Linen Midi Dress",
        brand="Aurelle",
        category=("Clothing", "Women", "Dresses"),
        price=45.0,
        attributes={"color": "red"},
    ),
    Product(
        product_id="dr2",
        title="Aurelle Blue Floral Summer Dress",
        brand="Aurelle",
        category=("Clothing", "Women", "Dresses"),
        price=65.0,
        attributes={"color": "blue"},
    ),
    Product(
        product_id="kt1",
        title="Brewly Stainless Steel Electric Kettle 1.7 L",
        brand="Brewly",
        category=("Home & Kitchen", "Kitchen", "Kettles"),
        price=35.0,
    ),
    Product(
        product_id="sn1",
        title="Stride Men's Trail Running Shoes",
        brand="Stride",
        category=("Clothing", "Men", "Shoes"),
        price=95.0,
    ),
    Product(
        product_id="cf1",
        title="Brewly Drip Coffee Maker, 12 Cup",
        brand="Brewly",
        category=("Home & Kitchen", "Kitchen", "Coffee Makers"),
        price=49.0,
    ),
]


@pytest.fixture()
def engine(minilm, tmp_path: Path) -> SearchEngine:
    store = MemoryStore()
    store.upsert(CATALOG)
    engine = SearchEngine(store, CachedEncoder(minilm, MemoryEmbeddingCache()), tmp_path / "idx")
    engine.open()
    return engine


def _top(engine: SearchEngine, query: str, **kwargs) -> list[str]:
    return [h.product.product_id for h in engine.search(SearchRequest(query=query, **kwargs)).hits]


def test_search_before_index_is_a_clear_error(minilm, tmp_path: Path) -> None:
    engine = SearchEngine(MemoryStore(), CachedEncoder(minilm, MemoryEmbeddingCache()), tmp_path)
    with pytest.raises(IndexNotReadyError, match="shelfwise index"):
        engine.search(SearchRequest(query="x"))


def test_each_mode_finds_the_obvious_product(engine: SearchEngine) -> None:
    for mode in ("hybrid", "lexical", "vector"):
        assert _top(engine, "noise cancelling headphones", mode=mode)[0] == "hp1", mode


def test_semantic_match_without_shared_words(engine: SearchEngine) -> None:
    # no catalog title contains "sneakers" or "jogging"; the language model links them
    assert _top(engine, "jogging sneakers", mode="vector")[0] == "sn1"
    assert _top(engine, "jogging sneakers")[0] == "sn1"


def test_typo_tolerance(engine: SearchEngine) -> None:
    assert _top(engine, "hedphones", mode="lexical")[0] in {"hp1", "hp2"}


def test_filters_and_disjunctive_facets(engine: SearchEngine) -> None:
    request = SearchRequest(query="headphones earbuds", filters=Filters(brands=("Voltrix",)))
    result = engine.search(request)
    assert {h.product.product_id for h in result.hits} == {"hp1", "eb1"}
    brands = {f.value: f.count for f in result.facets["brand"]}
    assert brands["Voltrix"] == 2 and brands.get("Sonara") == 1  # brand facet ignores brand filter
    cheap = engine.search(SearchRequest(query="headphones", filters=Filters(price=PriceRange(max=100))))
    assert all(h.product.price is not None and h.product.price <= 100 for h in cheap.hits)
    stocked = engine.search(SearchRequest(query="earbuds", filters=Filters(in_stock=True)))
    assert "eb1" not in {h.product.product_id for h in stocked.hits}
    red = engine.search(SearchRequest(query="dress", filters=Filters(attributes={"color": ("red",)})))
    assert [h.product.product_id for h in red.hits] == ["dr1"]
    dresses = engine.search(SearchRequest(query="", filters=Filters(category="Clothing > Women")))
    assert dresses.total == 2


def test_pagination_is_disjoint_and_total_stable(engine: SearchEngine) -> None:
    first = engine.search(SearchRequest(query="kitchen", page=1, page_size=3))
    second = engine.search(SearchRequest(query="kitchen", page=2, page_size=3))
    assert first.total == second.total
    assert not {h.product.product_id for h in first.hits} & {h.product.product_id for h in second.hits}
    assert [h.rank for h in second.hits] == list(range(4, 4 + len(second.hits)))


def test_explanations_carry_each_stage(engine: SearchEngine) -> None:
    hit = engine.search(SearchRequest(query="red linen dress")).hits[0]
    why = hit.explanation
    assert hit.product.product_id == "dr1" and why is not None
    assert set(why.matched_terms["title"]) >= {"red", "linen", "dress"}
    assert why.lexical_rank == 1 and why.lexical_score and why.lexical_score > 0
    assert why.vector_similarity is not None and why.vector_similarity > 0.3
    assert why.fused_score == hit.score


def test_fusion_override_changes_the_scores(engine: SearchEngine) -> None:
    rrf = engine.search(SearchRequest(query="kettle", fusion="rrf")).hits[0]
    assert rrf.product.product_id == "kt1" and rrf.explanation and rrf.explanation.fusion == "rrf"
    assert rrf.score < 0.05  # rrf scores are sums of 1 / (60 + rank)


def test_incremental_update_and_delete(engine: SearchEngine) -> None:
    engine.store.upsert([Product(product_id="tp1", title="Brewly Ceramic Teapot", brand="Brewly")])
    engine.store.delete(["kt1"])
    stats = engine.refresh()
    assert (stats.upserted, stats.deleted, stats.encoded) == (1, 1, 1)
    assert _top(engine, "teapot")[0] == "tp1"
    assert "kt1" not in _top(engine, "electric kettle")


def test_filtered_vector_search_follows_catalog_changes(engine: SearchEngine) -> None:
    # filtered vector retrieval maps the filter's table rows to vector rows through a cache that
    # must be recomputed after every change to either numbering
    def red(query: str) -> list[str]:
        return _top(engine, query, mode="vector", filters=Filters(attributes={"color": ("red",)}))

    assert red("dress") == ["dr1"]
    engine.store.upsert(
        [
            Product(
                product_id="hd9",
                title="Crimson Hooded Rain Jacket",
                brand="Aurelle",
                category=("Clothing", "Women", "Jackets"),
                attributes={"color": "red"},
            ),
            Product(
                product_id="dr1",
                title="Aurelle Red Linen Midi Dress",
                brand="Aurelle",
                category=("Clothing", "Women", "Dresses"),
                price=45.0,
                attributes={"color": "blue"},
            ),
        ]
    )
    engine.refresh()
    assert red("rain jacket") == ["hd9"]
    engine.store.delete(["hd9"])
    engine.refresh()
    assert red("rain jacket") == []


def test_rebuild_publishes_a_new_version(engine: SearchEngine) -> None:
    before = engine.manifest()
    after = engine.rebuild()
    assert before is not None and after.version != before.version
    assert engine.registry.current() == (after.version, engine.registry.path_of(after.version))
    assert _top(engine, "coffee maker")[0] == "cf1"


def test_shelfwise_reopens_index_and_reuses_embeddings(minilm, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, fusion=FusionConfig())
    cache = SQLiteEmbeddingCache(tmp_path / "embeddings.db")
    shop = Shelfwise(settings, encoder=minilm, embedding_cache=cache)
    shop.upsert_products(CATALOG)
    shop.open_index()
    assert shop.encoder.last_stats.encoded == len(CATALOG)
    shop.close()
    cache = SQLiteEmbeddingCache(tmp_path / "embeddings.db")
    again = Shelfwise(settings, encoder=minilm, embedding_cache=cache)
    again.open_index()
    again.rebuild_index()
    assert again.encoder.last_stats.encoded == 0  # unchanged texts are never encoded twice
    assert again.search(SearchRequest(query="coffee maker")).hits[0].product.product_id == "cf1"
    assert again.health().status == "ok"
    again.close()


def test_changes_since_the_last_persist_are_replayed_on_open(minilm, tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert(CATALOG)
    cache = MemoryEmbeddingCache()
    first = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx", persist_every=10**6)
    first.open()
    store.upsert([Product(product_id="tp1", title="Brewly Ceramic Teapot")])
    first.refresh()
    on_disk = first.registry.read_manifest(first.registry.current()[1] / "manifest.json")
    assert on_disk.store_seq < store.last_seq()  # not persisted yet: a crash here loses nothing
    first._live.lexical.close()  # simulate a crash: no persist, only the writer lock released
    second = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx")
    manifest = second.open()
    assert manifest.store_seq == store.last_seq()
    assert _top(second, "teapot")[0] == "tp1"
    assert second.encoder.last_stats.encoded == 0


def test_persists_write_vector_deltas_that_a_reopen_applies(minilm, tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert(CATALOG)
    cache = MemoryEmbeddingCache()
    vector = VectorConfig(delta_max_fraction=1.0)
    first = SearchEngine(
        store, CachedEncoder(minilm, cache), tmp_path / "idx", vector=vector, persist_every=1
    )
    first.open()
    store.upsert([Product(product_id="tp1", title="Brewly Ceramic Teapot")])
    first.refresh()
    store.delete(["kt1"])
    first.refresh()
    folder = first.registry.current()[1] / "vector"
    assert sorted(p.name for p in folder.glob("delta-*")) == ["delta-00001.npz", "delta-00002.npz"]
    on_disk = first.registry.read_manifest(folder.parent / "manifest.json")
    assert on_disk.store_seq == store.last_seq()  # persisted: the reopen replays nothing
    first.close()
    second = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx", vector=vector)
    second.open()
    assert _top(second, "teapot", mode="vector")[0] == "tp1"
    assert "kt1" not in _top(second, "electric kettle", mode="vector")
    second.close()


def test_the_vector_rebuild_after_many_deletes_lets_searches_and_writes_go_on(
    minilm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild that drops tombstones runs in the background: while it builds, searches are
    answered by the old index and refreshes are applied at once; the changes they made are
    replayed onto the new index before it is swapped in."""
    store = MemoryStore()
    store.upsert(CATALOG)
    vector = VectorConfig(rebuild_dead_fraction=0.2)
    encoder = CachedEncoder(minilm, MemoryEmbeddingCache())
    engine = SearchEngine(store, encoder, tmp_path / "idx", vector=vector)
    engine.open()
    old = engine._live.vector  # noqa: SLF001
    build = VectorIndex.build
    building, release = threading.Event(), threading.Event()

    def slow_build(*args, **kwargs) -> VectorIndex:  # noqa: ANN002, ANN003
        building.set()
        assert release.wait(timeout=30), "the test never let the build finish"
        return build(*args, **kwargs)

    monkeypatch.setattr(VectorIndex, "build", slow_build)
    store.delete(["hp2", "eb1"])
    engine.refresh()  # returns at once: the rebuild is due, and runs in the background
    assert building.wait(timeout=30) and engine.rebuilding_vectors
    assert engine._live.vector is old  # noqa: SLF001
    assert _top(engine, "coffee maker", mode="vector")[0] == "cf1"  # the old index answers
    saved = engine.registry.read_manifest(engine._live.path / "manifest.json").store_seq  # noqa: SLF001
    engine.persist_every = 1  # the next refresh would persist, but the old index is being replaced
    store.upsert([Product(product_id="tp1", title="Brewly Ceramic Teapot")])
    store.delete(["kt1"])
    engine.refresh()  # not held up by the build
    assert _top(engine, "teapot", mode="vector")[0] == "tp1"
    assert engine.registry.read_manifest(engine._live.path / "manifest.json").store_seq == saved  # noqa: SLF001
    release.set()
    assert engine.wait_for_vector_rebuild(timeout=30)
    fresh = engine._live.vector  # noqa: SLF001
    assert fresh is not old and not fresh.due_for_rebuild
    stats = engine.last_vector_rebuild
    assert stats is not None and stats.replayed == 2 and stats.rows == len(fresh)  # tp1 added, kt1 deleted
    assert sorted(fresh.product_ids()) == sorted(p.product_id for p in store.iter_products())
    assert _top(engine, "teapot", mode="vector")[0] == "tp1"  # made during the build, replayed
    assert "kt1" not in _top(engine, "electric kettle", mode="vector")
    assert "hp2" not in _top(engine, "wired studio headphones", mode="vector")
    assert _top(engine, "coffee maker", mode="vector")[0] == "cf1"
    engine.close()
    reopened = SearchEngine(store, encoder, tmp_path / "idx", vector=vector)
    reopened.open()  # the compacted index was saved at close
    assert not reopened._live.vector.due_for_rebuild  # noqa: SLF001
    assert _top(reopened, "teapot", mode="vector")[0] == "tp1"
    reopened.close()


def test_second_process_reads_while_the_owner_catches_up(minilm, tmp_path: Path) -> None:
    """A CLI beside a running server: it writes the store, the server (owner) catches up."""
    settings = Settings(data_dir=tmp_path)
    server = Shelfwise(settings, encoder=minilm)
    server.upsert_products(CATALOG)
    server.open_index()
    cli = Shelfwise(settings, encoder=minilm)
    cli.open_index()  # the server holds the write lock: the CLI opens read-only
    assert server.engine.writable and not cli.engine.writable
    cli.upsert_products([Product(product_id="tp1", title="Brewly Ceramic Teapot")])
    cli.delete_products(["kt1"])
    assert cli.search(SearchRequest(query="teapot", mode="vector")).hits[0].product.product_id == "tp1"
    assert "kt1" not in {h.product.product_id for h in cli.search(SearchRequest(query="kettle")).hits}
    stats = server.catch_up()
    assert stats is not None and (stats.upserted, stats.deleted) == (1, 1)
    assert server.search(SearchRequest(query="teapot")).hits[0].product.product_id == "tp1"
    assert server.catch_up() is None
    cli.close()
    server.close()


def test_price_change_keeps_the_vector_and_text_change_replaces_it(engine: SearchEngine) -> None:
    kettle = next(p for p in CATALOG if p.product_id == "kt1")
    engine.store.upsert([kettle.model_copy(update={"price": 29.0})])
    assert engine.refresh().encoded == 0
    assert engine.search(SearchRequest(query="electric kettle")).hits[0].product.price == 29.0
    engine.store.upsert([kettle.model_copy(update={"title": "Brewly Glass Teapot"})])
    stats = engine.refresh()
    assert stats.encoded == 1
    assert _top(engine, "glass teapot", mode="vector")[0] == "kt1"


def test_catch_up_loads_a_version_published_elsewhere(minilm, tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert(CATALOG)
    cache = MemoryEmbeddingCache()
    server = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx")
    assert server.catch_up() is None  # nothing published yet
    builder = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx")
    built = builder.rebuild()
    builder.close()
    assert server.catch_up() is not None and server.version == built.version
    assert _top(server, "coffee maker")[0] == "cf1"
    server.close()


def test_unusable_vector_files_are_rebuilt_on_open(minilm, tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert(CATALOG)
    cache = MemoryEmbeddingCache()
    first = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx")
    broken = first.open()
    first.close()
    assert broken is not None
    (first.registry.path_of(broken.version) / "vector" / "ids.json").write_text("{not json")
    second = SearchEngine(store, CachedEncoder(minilm, cache), tmp_path / "idx")
    assert second.open(build=False) is None  # a server start never builds
    rebuilt = second.open()
    assert rebuilt is not None and rebuilt.version != broken.version
    assert _top(second, "coffee maker")[0] == "cf1"
    second.close()


def test_single_retriever_modes_rank_by_their_own_score(engine: SearchEngine) -> None:
    lexical = engine.search(SearchRequest(query="wireless headphones", mode="lexical")).hits
    scores = [h.explanation.lexical_score for h in lexical if h.explanation]
    assert scores == sorted(scores, reverse=True)
    assert all(h.explanation and h.explanation.query_coverage is None for h in lexical)
    vector = engine.search(SearchRequest(query="wireless headphones", mode="vector")).hits
    sims = [h.explanation.vector_similarity for h in vector if h.explanation]
    assert sims == sorted(sims, reverse=True)
    hybrid = engine.search(SearchRequest(query="wireless headphones")).hits
    assert hybrid[0].explanation and hybrid[0].explanation.query_coverage == 1.0
