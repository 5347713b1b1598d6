"""Chinese query understanding inside search, over a small Chinese catalog (hashing encoder)."""

from __future__ import annotations

import pytest

from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.records import SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore
from tests.zh_catalog import products


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    store = MemoryStore()
    store.upsert(products())
    engine = SearchEngine(
        store, CachedEncoder(HashingEncoder(), MemoryEmbeddingCache()), tmp_path_factory.mktemp("zh")
    )
    engine.open()
    return engine


def test_price_phrase_filters_earphones(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="200元以下的耳机"))
    assert result.interpretation is not None and result.interpretation.filters_applied == ["price ..200"]
    assert result.hits and all(h.product.price is not None and h.product.price <= 200 for h in result.hits)


def test_negated_colour_leaves_red_dresses_out(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="不要红色的连衣裙"))
    assert result.interpretation is not None and result.interpretation.searched_text == "连衣裙"
    dresses = [h.product.attributes.get("color") for h in result.hits if "连衣裙" in h.product.title]
    red = [i for i, colour in enumerate(dresses) if colour == "红色"]
    assert len(dresses) == 7 and red == [5, 6]  # both red dresses after the five others


def test_size_and_material_filter_t_shirts(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="XL码 纯棉 T恤"))
    assert result.interpretation is not None
    assert set(result.interpretation.filters_applied) == {"size in XL", "material in 棉"}
    assert {h.product.product_id for h in result.hits} == {"p19", "p23"}


def test_negated_brand_leaves_apple_out_of_earphones(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="不要苹果 耳机"))
    earphones = [h.product.brand for h in result.hits if "耳机" in h.product.title]
    assert len(earphones) == 9 and earphones[-1] == "Apple"


@pytest.mark.parametrize("query", ["连衣群", "lianyiqun", "lyq"])
def test_misspelt_and_pinyin_queries_search_dresses(engine: SearchEngine, query: str) -> None:
    result = engine.search(SearchRequest(query=query))
    assert result.interpretation is not None and result.interpretation.corrected_query == "连衣裙"
    assert result.hits and "连衣裙" in result.hits[0].product.title


@pytest.mark.parametrize("typed", ["lianyiqun", "lyq"])
def test_autocomplete_for_pinyin(engine: SearchEngine, typed: str) -> None:
    assert engine.suggest(typed, 5)[0].text == "连衣裙"


def test_pinyin_survives_a_reopen_from_the_saved_understanding(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("zh-reopen")
    store = MemoryStore()
    store.upsert(products())
    first = SearchEngine(store, CachedEncoder(HashingEncoder(), MemoryEmbeddingCache()), root)
    first.open()
    again = SearchEngine(store, CachedEncoder(HashingEncoder(), MemoryEmbeddingCache()), root)
    again.open()
    assert again.suggest("lyq", 5)[0].text == "连衣裙"
    reading = again.search(SearchRequest(query="lianyiqun")).interpretation
    assert reading is not None and reading.corrected_query == "连衣裙"
