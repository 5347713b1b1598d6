"""Pseudo-relevance feedback for translated Chinese queries over an English shop (MiniLM): the
dictionary says "skirting board", the catalog mostly says "wall base"; the words the first
answers share are searched beside the translation, so wall base products the translation's words
never reach are matched lexically. English queries are searched as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.models import CachedEncoder
from shelfwise.records import Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.search.feedback import FeedbackConfig
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

pytestmark = pytest.mark.slow

CATALOG = [
    Product(product_id="s1", title="Oak Skirting Board Wall Base Trim 8 ft."),
    Product(product_id="s2", title="Primed MDF Skirting Board Wall Base Moulding"),
    Product(product_id="w1", title="Vinyl Wall Base Cove 4 in. Black"),
    Product(product_id="w2", title="Rubber Wall Base 4 in. White"),
    Product(product_id="g1", title="Wooden Board Game for Families"),
    Product(product_id="h1", title="Garden Hose 50 ft. Green"),
    Product(product_id="c1", title="Kitchen Base Cabinet White"),
    Product(product_id="k1", title="Round Wall Clock Silver"),
    Product(product_id="t1", title="Ceramic Floor Tile 12 in. Grey"),
]
QUERY = "踢脚板"  # CC-CEDICT: skirting board


@pytest.fixture(scope="module")
def engine(minilm, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:  # noqa: ANN001
    store = MemoryStore()
    store.upsert(CATALOG)
    root: Path = tmp_path_factory.mktemp("feedback")
    engine = SearchEngine(store, CachedEncoder(minilm, MemoryEmbeddingCache()), root)
    engine.open()
    return engine


def _lexical(engine: SearchEngine, query: str, config: FeedbackConfig) -> dict[str, float | None]:
    engine.cross_lingual.feedback = config
    result = engine.search(SearchRequest(query=query, explain=True, facets=()))
    return {h.product.product_id: h.explanation.lexical_score for h in result.hits if h.explanation}


def test_a_translated_query_gains_the_catalogs_words(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query=QUERY))
    assert result.interpretation is not None and result.interpretation.searched_text == "skirting board"
    off = _lexical(engine, QUERY, FeedbackConfig(docs=0))
    on = _lexical(engine, QUERY, FeedbackConfig(docs=2, min_titles=2, terms=3, weight=0.5))
    assert off["w1"] is None and off["w2"] is None  # "skirting board" is not in their titles
    assert on["w1"] is not None and on["w2"] is not None  # "wall base" is, through feedback
    assert on["h1"] is None  # a word of no first answer is not added


def test_english_queries_get_no_feedback(engine: SearchEngine) -> None:
    for query in ["skirting board", "wall base"]:
        off = _lexical(engine, query, FeedbackConfig(docs=0))
        on = _lexical(
            engine, query, FeedbackConfig(docs=2, min_titles=2, terms=3, weight=0.5, vector_weight=0.5)
        )
        assert on == off
