"""Query understanding inside search: did-you-mean, parsed filters (and their relaxation),
negations, synonyms and category intent, each visible in the result's interpretation."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.config import UnderstandingConfig
from shelfwise.models import CachedEncoder
from shelfwise.records import Product, SearchRequest, SearchResult
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore


def small_catalog() -> list[Product]:
    def product(pid: str, title: str, brand: str, path: str, price: float, **extra: object) -> Product:
        return Product(
            product_id=pid, title=title, brand=brand, category=tuple(path.split("/")), price=price, **extra
        )  # type: ignore[arg-type]

    return [
        product(
            "hp1",
            "Voltrix Wireless Noise Cancelling Over-Ear Headphones",
            "Voltrix",
            "Electronics/Audio/Headphones",
            149.0,
            attributes={"color": "black"},
        ),
        product(
            "hp2",
            "Sonara Wired Studio Headphones",
            "Sonara",
            "Electronics/Audio/Headphones",
            59.0,
            attributes={"color": "white"},
        ),
        product("eb1", "Voltrix True Wireless Earbuds", "Voltrix", "Electronics/Audio/Earbuds", 89.0),
        product(
            "dr1",
            "Aurelle Red Linen Midi Dress",
            "Aurelle",
            "Clothing/Women/Dresses",
            45.0,
            attributes={"color": "red"},
        ),
        product(
            "dr2",
            "Aurelle Blue Floral Summer Dress",
            "Aurelle",
            "Clothing/Women/Dresses",
            65.0,
            attributes={"color": "blue"},
        ),
        product("dr3", "Aurelle Red Velvet Party Dress", "Aurelle", "Clothing/Women/Dresses", 75.0),
        product(
            "kt1",
            "Brewly Stainless Steel Electric Kettle 1.7 L",
            "Brewly",
            "Home & Kitchen/Kitchen/Kettles",
            35.0,
        ),
        product("sn1", "Stride Men's Trail Running Shoes", "Stride", "Clothing/Men/Shoes", 95.0),
        product(
            "cf1", "Brewly Drip Coffee Maker, 12 Cup", "Brewly", "Home & Kitchen/Kitchen/Coffee Makers", 49.0
        ),
    ]


def _engine(minilm, root: Path, config: UnderstandingConfig | None = None) -> SearchEngine:
    store = MemoryStore()
    store.upsert(small_catalog())
    engine = SearchEngine(store, CachedEncoder(minilm, MemoryEmbeddingCache()), root, understanding=config)
    engine.open()
    return engine


@pytest.fixture(scope="module")
def engine(minilm, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    return _engine(minilm, tmp_path_factory.mktemp("understanding"))


def _ids(result: SearchResult) -> list[str]:
    return [h.product.product_id for h in result.hits]


def test_misspelled_query_is_corrected_and_its_price_filters(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="wireles headphones under $100"))
    reading = result.interpretation
    assert reading is not None
    assert reading.corrected_query == "wireless headphones under $100"
    assert reading.searched_text == "wireless headphones"
    assert reading.filters_applied == ["price ..100"]
    assert _ids(result) and "hp1" not in _ids(result)  # hp1 costs 149
    assert all(h.product.price is not None and h.product.price <= 100 for h in result.hits)
    price = next(c for c in reading.constraints if c.field == "price")
    assert price.applied and price.price_max == 100 and "under $100" in price.source


def test_colour_and_price_in_the_query_become_filters(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="red dress under $60"))
    reading = result.interpretation
    assert reading is not None and reading.corrected_query is None
    assert set(reading.filters_applied) == {"price ..60", "color in red"}
    assert _ids(result) == ["dr1"]


def test_filters_that_leave_nothing_are_relaxed_and_reported(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="electric kettle under $10"))
    reading = result.interpretation
    assert reading is not None and reading.relaxed and reading.filters_applied == []
    assert _ids(result)[0] == "kt1"
    assert not any(c.applied for c in reading.constraints)


def test_negated_word_demotes_the_products_that_have_it(engine: SearchEngine) -> None:
    plain = {h.product.product_id: h.score for h in engine.search(SearchRequest(query="headphones")).hits}
    result = engine.search(SearchRequest(query="headphones not wireless"))
    assert result.interpretation is not None and result.interpretation.negative_terms == ["wireless"]
    assert result.interpretation.searched_text == "headphones"
    scores = {h.product.product_id: h.score for h in result.hits}
    assert scores["hp1"] == pytest.approx(0.5 * plain["hp1"])  # "Wireless" in its title
    assert scores["hp2"] == pytest.approx(plain["hp2"])
    assert _ids(result)[0] == "hp2"


def test_category_intent_is_predicted_from_the_top_candidates(engine: SearchEngine) -> None:
    reading = engine.search(SearchRequest(query="over-ear headphones")).interpretation
    assert reading is not None
    assert reading.categories and reading.categories[0].path == "Electronics"
    assert any(c.path == "Electronics > Audio" for c in reading.categories)


def test_understanding_can_be_turned_off_per_request(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="red dres under $60", understand=False))
    assert result.interpretation is None
    assert "dr1" in _ids(result) and len(_ids(result)) > 1


def test_configured_synonyms_widen_lexical_matching(minilm, tmp_path: Path) -> None:
    rules = tmp_path / "synonyms.txt"
    rules.write_text("# shop synonyms\nearphones, earbuds\n")
    engine = _engine(minilm, tmp_path / "idx", UnderstandingConfig(synonyms_file=str(rules)))
    result = engine.search(SearchRequest(query="earphones", mode="lexical"))
    assert result.interpretation is not None
    assert result.interpretation.synonyms == ["earphones -> earbuds"]
    assert _ids(result)[0] == "eb1"
    off = engine.search(SearchRequest(query="earphones", mode="lexical", understand=False))
    assert "eb1" not in _ids(off)


def test_attributes_read_from_the_query_exclude_contradictions_not_unknowns(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="red dress"))
    assert result.interpretation is not None
    assert "color in red" in result.interpretation.filters_applied
    ids = _ids(result)
    assert "dr1" in ids and "dr2" not in ids  # dr2 is blue
    assert "dr3" in ids  # no colour given, but "Red" is in its title
    assert "kt1" not in ids  # no colour given and nothing red about it
    facets = {f.value: f.count for f in result.facets["brand"]}
    assert facets == {"Aurelle": 2}
    asked = _ids(engine.search(SearchRequest(query="dress", filters={"attributes": {"color": ["red"]}})))
    assert asked == ["dr1"]  # a filter the shopper sets is strict


def test_a_brand_read_from_the_query_keeps_products_that_state_no_brand(minilm, tmp_path: Path) -> None:
    """A feed without a brand column must not lose its products to a brand read from the query:
    a product with no brand passes when its title names the brand; a different brand does not."""
    store = MemoryStore()
    store.upsert(
        [
            *small_catalog(),
            Product(
                product_id="sp1",
                title="Voltrix Portable Bluetooth Speaker",
                brand="",
                category=("Electronics", "Audio", "Speakers"),
                price=39.0,
            ),
            Product(
                product_id="sp2",
                title="Portable Bluetooth Speaker, Waterproof",
                brand="",
                category=("Electronics", "Audio", "Speakers"),
                price=29.0,
            ),
        ]
    )
    engine = SearchEngine(store, CachedEncoder(minilm, MemoryEmbeddingCache()), tmp_path)
    engine.open()
    result = engine.search(SearchRequest(query="voltrix speaker"))
    assert result.interpretation is not None
    assert "brand in Voltrix" in result.interpretation.filters_applied
    ids = _ids(result)
    assert "sp1" in ids  # no brand given, but its title names Voltrix
    assert "sp2" not in ids  # no brand given and nothing says Voltrix
    assert "hp2" not in ids  # another brand contradicts the query
    asked = _ids(engine.search(SearchRequest(query="speaker", filters={"brands": ["Voltrix"]})))
    assert "sp1" not in asked  # a brand filter the shopper sets is strict
