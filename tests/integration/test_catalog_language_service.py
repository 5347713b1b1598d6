"""A shop picks its language and encoder from its catalog with no setting: a Chinese catalog
runs multilingual E5 with Chinese analysis, an English one keeps MiniLM; /health says which."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from shelfwise.config import ServeConfig, Settings
from shelfwise.records import Product, SearchRequest
from shelfwise.serve.app import create_app
from shelfwise.service import Shelfwise

CHINESE = [
    Product(product_id="buds", title="小米 Redmi Buds 5 真无线蓝牙耳机 主动降噪 黑色", brand="小米"),
    Product(product_id="dress", title="夏季碎花连衣裙 女 雪纺 中长款", brand="优衣库"),
    Product(product_id="wok", title="苏泊尔 不粘炒锅 32cm 家用", brand="苏泊尔"),
]
ENGLISH = [Product(product_id="mug", title="Ceramic Coffee Mug 12 oz", brand="Acme")]


def _shop(data: Path, products: list[Product]) -> Shelfwise:
    seed = Shelfwise(Settings(data_dir=data, encoder={"name": "hashing"}))
    seed.upsert_products(products)  # the catalog, stored before the shop starts for real
    seed.close()
    return Shelfwise(Settings(data_dir=data))


def test_a_chinese_catalog_runs_e5_and_chinese_analysis(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "data", CHINESE)
    try:
        assert shop.encoder.encoder.version.startswith("multilingual-e5-small")
        shop.open_index()
        result = shop.search(SearchRequest(query="連衣裙", mode="lexical", page_size=3))
        assert [hit.product.product_id for hit in result.hits] == ["dress"]
        hybrid = shop.search(SearchRequest(query="降噪耳机", page_size=3))
        assert hybrid.hits[0].product.product_id == "buds"
        client = TestClient(create_app(shop, ServeConfig(api_key="k" * 32)))
        health = client.get("/health").json()
        assert health["language"] == "zh" and health["language_source"] == "detected"
        assert health["encoder"].startswith("multilingual-e5-small")
        client.post("/admin/login", content=f"api_key={'k' * 32}&next=/admin",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        overview = client.get("/admin").text
        assert "<dt>Language</dt><dd>zh" in overview and "multilingual-e5-small" in overview
    finally:
        shop.close()


def test_an_english_catalog_keeps_minilm(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "data", ENGLISH)
    try:
        assert shop.settings.encoder.name == "minilm"
        assert shop.health().language == "en"
        assert shop.encoder.encoder.version.startswith("all-MiniLM")
    finally:
        shop.close()


def test_a_shop_started_empty_decides_before_its_first_index(tmp_path: Path) -> None:
    shop = Shelfwise(Settings(data_dir=tmp_path / "data"))
    try:
        assert shop.health().language_source == "default"
        shop.upsert_products(CHINESE)
        shop.open_index()
        assert shop.health().language == "zh"
        assert shop.health().encoder.startswith("multilingual-e5-small")
        result = shop.search(SearchRequest(query="炒锅", mode="lexical", page_size=3))
        assert [hit.product.product_id for hit in result.hits] == ["wok"]
    finally:
        shop.close()


def test_a_language_set_later_rebuilds_the_index(tmp_path: Path) -> None:
    data = tmp_path / "data"

    def shop_in(language: str) -> Shelfwise:
        return Shelfwise(Settings(data_dir=data, encoder={"name": "hashing"}, catalog={"language": language}))

    english = shop_in("en")
    english.upsert_products(CHINESE)
    first = english.open_index().version
    assert english.search(SearchRequest(query="連衣裙", mode="lexical")).hits == []
    english.close()
    chinese = shop_in("zh")
    try:
        assert chinese.open_index().version != first
        hits = chinese.search(SearchRequest(query="連衣裙", mode="lexical")).hits
        assert [hit.product.product_id for hit in hits] == ["dress"]
        assert chinese.health().language_source == "configured"
    finally:
        chinese.close()


def test_a_chinese_shop_under_e5_keeps_spelling_for_pinyin(tmp_path: Path) -> None:
    """Spelling is off by default under E5 for English catalogs ("correr" would become "corner"),
    but a Chinese catalog's spelling step reads pinyin and homophones against its own words."""
    from tests.zh_catalog import products

    shop = _shop(tmp_path / "data", products())
    try:
        assert shop.encoder.encoder.version.startswith("multilingual-e5-small")
        shop.open_index()
        result = shop.search(SearchRequest(query="lianyiqun", mode="lexical", page_size=5))
        assert result.interpretation is not None and result.interpretation.corrected_query == "连衣裙"
        assert result.hits and all("连衣裙" in hit.product.title for hit in result.hits)
    finally:
        shop.close()
