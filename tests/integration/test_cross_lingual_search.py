"""Chinese queries over an English shop with the English MiniLM encoder: the query is translated
with CC-CEDICT into the catalog's words and searched as usual; the answer says how it was read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.models import CachedEncoder
from shelfwise.models.query_student import QueryStudent, StudentManifest
from shelfwise.records import Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

pytestmark = pytest.mark.slow

K = ("Home", "Kitchen", "Cookware")
AUDIO = ("Electronics", "Audio", "Headphones")
CATALOG = [
    Product(product_id="hp1", title="Voltrix Wireless Noise Cancelling Over-Ear Headphones",
            brand="Voltrix", category=AUDIO),
    Product(product_id="hp2", title="Sonara Wired Studio Headphones", brand="Sonara", category=AUDIO),
    Product(product_id="sp1", title="Sonara Wireless Bluetooth Speaker", brand="Sonara",
            category=("Electronics", "Audio", "Speakers")),
    Product(product_id="wk1", title="Chefline 14 in. Stainless Steel Wok", brand="Chefline", category=K),
    Product(product_id="wk2", title="Chefline Carbon Steel Wok with Lid", brand="Chefline", category=K),
    Product(product_id="fp1", title="Ovenly Nonstick Aluminum Frying Pan", brand="Ovenly", category=K),
    Product(product_id="kt1", title="Ovenly Stainless Steel Electric Kettle", brand="Ovenly", category=K),
    Product(product_id="dr1", title="Aurelle Red Linen Midi Dress", brand="Aurelle",
            category=("Clothing", "Women", "Dresses")),
    Product(product_id="lp1", title="Nexory 15.6-Inch Gaming Laptop, 16GB RAM", brand="Nexory",
            category=("Electronics", "Computers", "Laptops")),
]  # fmt: skip


@pytest.fixture(scope="module")
def engine(minilm, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:  # noqa: ANN001
    store = MemoryStore()
    store.upsert(CATALOG)
    root: Path = tmp_path_factory.mktemp("xling")
    engine = SearchEngine(store, CachedEncoder(minilm, MemoryEmbeddingCache()), root)
    engine.open()
    return engine


def test_wireless_headphones(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="无线耳机"))
    assert result.hits[0].product.product_id == "hp1"
    assert result.match is not None and result.match.status == "close"
    assert result.normalized_query == "无线耳机"
    interpretation = result.interpretation
    assert interpretation is not None and interpretation.translated_from == "无线耳机"
    assert interpretation.searched_text == "wireless headphones"
    assert interpretation.translation == ["无线 -> wireless", "耳机 -> headphones"]


def test_stainless_steel_wok(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="不锈钢炒锅"))
    assert result.hits[0].product.product_id == "wk1"
    assert {h.product.product_id for h in result.hits[:3]} >= {"wk1", "wk2"}


def test_a_shoppers_sentence(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="我想买一台笔记本电脑"))
    assert result.hits[0].product.product_id == "lp1"
    assert result.interpretation is not None and result.interpretation.searched_text == "laptop"


def test_mixed_scripts_and_odd_input_are_read(engine: SearchEngine) -> None:
    assert engine.search(SearchRequest(query="Voltrix 耳机")).hits[0].product.product_id == "hp1"
    for text in ["😀耳机！！", "ｗｉｒｅｌｅｓｓ 耳机", "麒麟", "的"]:
        result = engine.search(SearchRequest(query=text))
        assert result.match is not None


def test_an_untranslatable_query_is_still_unreadable(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="麒麟"))
    assert result.match is not None and result.match.status == "unreadable"
    assert result.hits == []


def test_english_queries_are_untouched(engine: SearchEngine) -> None:
    result = engine.search(SearchRequest(query="wok"))
    assert result.interpretation is None or result.interpretation.translated_from is None
    assert result.hits[0].product.product_id in {"wk1", "wk2"}


def test_a_query_student_moves_the_vector_and_none_leaves_it(engine: SearchEngine) -> None:
    request = SearchRequest(query="无线耳机", mode="vector")
    before = [h.product.product_id for h in engine.search(request).hits]
    assert before[0] == "hp1"
    # a student that reads every Han text as the wired studio headphones
    target = engine.encoder.encoder.encode(["Sonara Wired Studio Headphones"], kind="query")[0]
    manifest = StudentManifest(engine.encoder.encoder.version, 4, 3, len(target), len(target))
    student = QueryStudent(manifest, np.tile(target, (4, 1)), np.eye(len(target), dtype=np.float32))
    try:
        engine.cross_lingual.use_student(student, 1.0)
        assert engine.search(request).hits[0].product.product_id == "hp2"
        english = engine.search(SearchRequest(query="wireless headphones", mode="vector"))
        assert english.hits[0].product.product_id == "hp1"  # only translated Han queries
    finally:
        engine.cross_lingual.use_student(None)
    assert [h.product.product_id for h in engine.search(request).hits] == before
