"""Chinese queries over a slice of the English demo catalog: the multilingual E5 encoder finds the
products, the English MiniLM mostly does not; and the lexical side takes CJK text without errors.

The slice is the demo catalog's first 300 products (`generate_demo_catalog(300)`, about 3 of each
of its 95 kinds); the queries are the test set's Chinese ones that have a relevant product there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.bench.multilingual import (
    MultilingualQuery,
    RunResult,
    answerable,
    build_engine,
    read_multilingual_queries,
    relevant_products,
    run_queries,
    score_of,
)
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.models import E5Encoder
from shelfwise.records import Product, SearchMode, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache

pytestmark = pytest.mark.slow

QUERY_SET = Path(__file__).parents[2] / "benchmarks" / "data" / "multilingual_queries.tsv"
SLICE = 300
# Measured on this slice (44 Chinese queries): E5 0.932 in vector and in hybrid mode (41 hits),
# MiniLM 0.205 vector, 0.227 hybrid on the query as typed, 0.909 vector once the query is translated
# with the dictionary (`understanding.translate`, on by default for an encoder that reads one
# language). The thresholds allow three more misses, not a regression.
E5_MIN_RECALL = 0.85
MINILM_MAX_RECALL = 0.35
TRANSLATED_MIN_RECALL = 0.8


@pytest.fixture(scope="module")
def catalog() -> list[Product]:
    return generate_demo_catalog(SLICE)


@pytest.fixture(scope="module")
def chinese(catalog: list[Product]) -> tuple[list[MultilingualQuery], dict[str, frozenset[str]]]:
    queries = [q for q in read_multilingual_queries(QUERY_SET) if q.language == "zh"]
    relevant = relevant_products(queries, catalog)
    return answerable(queries, relevant), relevant


@pytest.fixture(scope="module")
def e5_engine(catalog: list[Product], tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    root = tmp_path_factory.mktemp("e5-index")
    return build_engine(catalog, E5Encoder(), MemoryEmbeddingCache(), root)


@pytest.fixture(scope="module")
def minilm_engine(catalog: list[Product], minilm, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    root = tmp_path_factory.mktemp("minilm-index")
    return build_engine(catalog, minilm, MemoryEmbeddingCache(), root)


def _recall(engine: SearchEngine, chinese, mode: SearchMode) -> float:
    queries, relevant = chinese
    run: RunResult = run_queries(engine, queries, relevant, mode, "engine")
    return score_of(run.scores, "zh").recall


def test_the_slice_answers_most_chinese_queries(chinese) -> None:
    queries, _ = chinese
    assert len(queries) >= 40


def test_e5_finds_what_chinese_shoppers_ask_for(e5_engine: SearchEngine, minilm_engine, chinese) -> None:
    minilm_engine.understanding = minilm_engine.understanding.model_copy(update={"translate": False})
    try:
        minilm = _recall(minilm_engine, chinese, "vector")
    finally:
        minilm_engine.understanding = minilm_engine.understanding.model_copy(update={"translate": True})
    e5 = _recall(e5_engine, chinese, "vector")
    assert e5 >= E5_MIN_RECALL, e5
    assert minilm <= MINILM_MAX_RECALL, minilm
    assert e5 - minilm >= 0.5


def test_an_english_encoder_reads_chinese_queries_through_the_dictionary(minilm_engine, chinese) -> None:
    assert _recall(minilm_engine, chinese, "vector") >= TRANSLATED_MIN_RECALL


def test_hybrid_search_keeps_the_e5_recall(e5_engine: SearchEngine, chinese) -> None:
    # BM25 finds nothing for Chinese text, so hybrid ranks by the vectors alone
    assert _recall(e5_engine, chinese, "hybrid") >= E5_MIN_RECALL


def test_the_headline_queries(e5_engine: SearchEngine, catalog: list[Product]) -> None:
    by_id = {p.product_id: p for p in catalog}
    headphones = e5_engine.search(SearchRequest(query="无线降噪耳机", mode="vector")).hits
    assert by_id[headphones[0].product.product_id].category[-1] in {"Headphones", "Earbuds"}
    dresses = e5_engine.search(SearchRequest(query="红色连衣裙", mode="vector")).hits
    assert dresses[0].product.category[-1] == "Dresses"
    assert any(h.product.attributes.get("color") == "Red" for h in dresses[:10])


def test_lexical_side_takes_cjk_text_without_errors(e5_engine: SearchEngine) -> None:
    # a run of Han or kana is one token that no English product contains: no match, no error
    for query in ("无线降噪耳机", "红色 连衣裙", "ワイヤレスノイズキャンセリングヘッドホン", "LED灯泡"):
        result = e5_engine.search(SearchRequest(query=query, mode="lexical"))
        assert result.total == 0 and result.hits == [], query
    # digits split off from Han characters, so "65" matches the 65-inch (and 65W, 65L) products
    sized = e5_engine.search(SearchRequest(query="65英寸智能电视", mode="lexical", page_size=50))
    assert sized.hits and all("65" in h.product.title for h in sized.hits)
