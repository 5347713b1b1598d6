"""The match floor in real searches: a shop without blenders says that `blender` matched nothing
closely and keeps the nearest items; a Han query over an English shop is unreadable to MiniLM and
read by the multilingual encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.config import FusionConfig, MatchFloorConfig
from shelfwise.models import CachedEncoder, E5Encoder
from shelfwise.records import Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

AUDIO = ("Electronics", "Audio", "Headphones")
CATALOG = [
    Product(product_id="hp1", title="Voltrix Wireless Noise Cancelling Over-Ear Headphones",
            brand="Voltrix", category=AUDIO, price=149.0),
    Product(product_id="hp2", title="Sonara Wired Studio Headphones", brand="Sonara", category=AUDIO),
    Product(product_id="eb1", title="Voltrix True Wireless Earbuds", brand="Voltrix",
            category=("Electronics", "Audio", "Earbuds")),
    Product(product_id="lp1", title="Nexory 15.6-Inch Gaming Laptop, 16GB RAM", brand="Nexory",
            category=("Electronics", "Computers", "Laptops")),
    Product(product_id="dr1", title="Aurelle Red Linen Midi Dress", brand="Aurelle",
            category=("Clothing", "Women", "Dresses")),
    Product(product_id="dr2", title="Aurelle Blue Floral Summer Dress", brand="Aurelle",
            category=("Clothing", "Women", "Dresses")),
    Product(product_id="sn1", title="Stride Men's Trail Running Shoes", brand="Stride",
            category=("Clothing", "Men", "Shoes")),
    Product(product_id="bp1", title="Trekline 30L Hiking Backpack", brand="Trekline",
            category=("Sports & Outdoors", "Hiking", "Backpacks")),
]  # fmt: skip


def _engine(encoder, root: Path, products: list[Product] = CATALOG, floor: bool = True) -> SearchEngine:  # noqa: ANN001
    store = MemoryStore()
    store.upsert(products)
    fusion = FusionConfig(match=MatchFloorConfig(enabled=floor))
    engine = SearchEngine(store, CachedEncoder(encoder, MemoryEmbeddingCache()), root, fusion=fusion)
    engine.open()
    return engine


@pytest.fixture()
def engine(minilm, tmp_path: Path) -> SearchEngine:
    return _engine(minilm, tmp_path / "idx")


def test_nothing_close_says_so_and_keeps_the_nearest_items(
    engine: SearchEngine,
    minilm,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    request = SearchRequest(query="blender", page_size=20)
    result = engine.search(request)
    assert result.match is not None and result.match.status == "nearest_only"
    assert result.match.message == "No close matches for “blender”; the nearest items are shown."
    assert result.match.best_similarity is not None
    assert result.match.best_similarity < result.match.similarity_floor
    assert result.hits and {h.match for h in result.hits} == {"nearest"}
    without = _engine(minilm, tmp_path / "off", floor=False).search(request)
    assert without.match is None
    assert [h.product.product_id for h in without.hits] == [h.product.product_id for h in result.hits]
    assert without.total == result.total


def test_a_matching_query_is_not_flagged(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="wireless headphones"))
    assert result.match is not None and result.match.status == "close" and result.match.message is None
    assert result.hits[0].product.product_id == "hp1" and result.hits[0].match == "lexical"
    # a typo corrected by the spelling model is a match of the corrected word
    corrected = engine.search(SearchRequest(query="hedphones"))
    assert corrected.match is not None and corrected.match.status == "close"


def test_browsing_has_no_match_verdict(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query=""))
    assert result.match is None and all(h.match is None for h in result.hits)


def test_a_han_query_over_an_english_shop_is_unreadable_to_minilm(engine: SearchEngine) -> None:
    # with dictionary translation off (tests/integration/test_cross_lingual_search.py: on)
    engine.understanding = engine.understanding.model_copy(update={"translate": False})
    for mode in ("hybrid", "vector"):
        result = engine.search(SearchRequest(query="红色连衣裙", mode=mode))
        assert result.match is not None and result.match.status == "unreadable", mode
        assert result.hits == [] and result.total == 0
        assert result.match.query_scripts == ["Han"] and result.match.catalog_scripts == ["Latin"]
        assert result.match.message is not None and "cannot read" in result.match.message


def test_the_multilingual_encoder_reads_it(tmp_path: Path) -> None:
    engine = _engine(E5Encoder(), tmp_path / "e5")
    result = engine.search(SearchRequest(query="红色连衣裙", mode="vector"))
    assert result.match is not None and result.match.status != "unreadable"
    assert result.hits[0].product.product_id == "dr1"


def test_the_catalogs_scripts_are_noted_at_build_and_known_at_open(minilm, tmp_path: Path) -> None:  # noqa: ANN001
    engine = _engine(minilm, tmp_path / "idx")
    manifest = engine.manifest()
    assert manifest is not None and manifest.notes["title_scripts"] == {"Latin": 1.0}
    engine.close()
    path = tmp_path / "idx" / "versions" / manifest.version / "manifest.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["notes"] = {}  # an index built before the note existed
    path.write_text(json.dumps(saved), encoding="utf-8")
    reopened = SearchEngine(engine.store, engine.encoder, tmp_path / "idx")
    reopened.open()
    floor = reopened.match_floor()
    assert floor is not None and floor.catalog_scripts == {"Latin"}


def test_a_shop_indexed_empty_learns_its_scripts_from_the_first_products(minilm, tmp_path: Path) -> None:  # noqa: ANN001
    engine = _engine(minilm, tmp_path / "idx", products=[])
    engine.store.upsert(CATALOG)
    engine.refresh()
    floor = engine.match_floor()
    assert floor is not None and floor.catalog_scripts == {"Latin"}
    engine.understanding = engine.understanding.model_copy(update={"translate": False})
    assert engine.search(SearchRequest(query="红色连衣裙")).match.status == "unreadable"  # type: ignore[union-attr]
