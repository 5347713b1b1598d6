"""English queries over a Chinese shop: under an encoder that reads one language (MiniLM) the query
is translated into the catalog's Chinese words with CC-CEDICT and searched as usual; under a
multilingual encoder the vectors read it as typed and, with `understanding.translation_weight`,
its translation also matches in lexical search."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.config import UnderstandingConfig
from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.records import Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

pytestmark = pytest.mark.slow

AUDIO = ("数码电器", "音频", "耳机")
CATALOG = [
    Product(product_id="hp1", title="小米 Buds 5 降噪真无线蓝牙耳机 黑色", brand="小米", category=AUDIO),
    Product(product_id="hp2", title="漫步者 头戴式耳机 白色", brand="漫步者", category=AUDIO),
    Product(product_id="wk1", title="苏泊尔 不锈钢炒锅 32cm", brand="苏泊尔",
            category=("厨具", "锅具", "炒锅")),
    Product(product_id="dr1", title="优衣库 纯棉连衣裙 红色 M码", brand="优衣库",
            category=("服装", "女装", "连衣裙")),
    Product(product_id="lp1", title="联想 Pro 14 轻薄笔记本电脑 16GB 512GB", brand="联想",
            category=("数码电器", "电脑", "笔记本电脑")),
]  # fmt: skip


class MultilingualHashing(HashingEncoder):
    """The hashing encoder under a multilingual encoder's version: the engine treats it as one
    that reads every script (the branch under test), without loading E5."""

    @property
    def version(self) -> str:
        return "multilingual-e5-small-test@hashing"


def _engine(encoder, root: Path, weight: float = 0.0) -> SearchEngine:  # noqa: ANN001
    store = MemoryStore()
    store.upsert(CATALOG)
    engine = SearchEngine(store, CachedEncoder(encoder, MemoryEmbeddingCache()), root, language="zh",
                          understanding=UnderstandingConfig(translation_weight=weight))  # fmt: skip
    engine.open()
    return engine


@pytest.fixture(scope="module")
def minilm_engine(minilm, tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:  # noqa: ANN001
    return _engine(minilm, tmp_path_factory.mktemp("en-zh"))


def test_an_english_query_is_searched_in_the_catalogs_chinese(minilm_engine: SearchEngine) -> None:
    result = minilm_engine.search(SearchRequest(query="headphones"))
    assert {h.product.product_id for h in result.hits[:2]} == {"hp1", "hp2"}
    interpretation = result.interpretation
    assert interpretation is not None and interpretation.translated_from == "headphones"
    assert interpretation.searched_text == "耳机"
    assert result.match is not None and result.match.status != "unreadable"


def test_phrases_and_latin_words_keep_their_place(minilm_engine: SearchEngine) -> None:
    result = minilm_engine.search(SearchRequest(query="Lenovo laptop"))
    assert result.hits[0].product.product_id == "lp1"
    wok = minilm_engine.search(SearchRequest(query="stainless steel wok"))
    assert wok.hits[0].product.product_id == "wk1"
    assert wok.interpretation is not None and wok.interpretation.searched_text == "不锈钢 炒锅"


def test_chinese_queries_over_a_chinese_shop_are_not_translated(minilm_engine: SearchEngine) -> None:
    result = minilm_engine.search(SearchRequest(query="耳机"))
    assert result.interpretation is None or result.interpretation.translated_from is None
    assert result.hits[0].product.product_id in {"hp1", "hp2"}


def test_under_a_multilingual_encoder_the_translation_weighs_in_lexical_search(
    tmp_path: Path,
) -> None:
    plain = _engine(MultilingualHashing(), tmp_path / "plain")
    weighted = _engine(MultilingualHashing(), tmp_path / "weighted", weight=1.0)
    request = SearchRequest(query="headphones", mode="lexical")
    assert plain.search(request).hits == []
    result = weighted.search(request)
    assert {h.product.product_id for h in result.hits} == {"hp1", "hp2"}
    assert result.interpretation is not None and result.interpretation.translated_from == "headphones"
    assert result.interpretation.searched_text == "headphones"  # the vectors read it as typed
