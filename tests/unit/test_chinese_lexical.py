"""Chinese lexical analysis: segmentation, bigrams, folding, model numbers, and an English
analyzer whose output is exactly what it was before Chinese analysis existed."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.config import LexicalConfig
from shelfwise.index.lexical import ANALYSIS_FILE, LexicalAnalysis, LexicalIndex
from shelfwise.language import bigrams, catalog_words, fold, segment
from shelfwise.language.chinese import ChineseSegmenter, analyze
from shelfwise.records import Product

CATALOG = [
    Product(
        product_id="buds",
        title="小米 Redmi Buds 5 真无线蓝牙耳机 主动降噪 黑色",
        brand="小米",
        category=("数码", "耳机"),
    ),
    Product(product_id="sony", title="索尼 WH-1000XM5 头戴式无线降噪耳机 银色", brand="索尼"),
    Product(product_id="dress", title="夏季碎花连衣裙 女 雪纺 中长款", brand="优衣库", category=("女装",)),
    Product(product_id="wok", title="苏泊尔 不粘炒锅 32cm 家用 燃气电磁炉通用", brand="苏泊尔"),
    Product(product_id="lego", title="乐高 LEGO 城市系列 消防局 拼装积木玩具 60320", brand="乐高"),
    Product(product_id="phone", title="Apple iPhone 15 128GB 黑色 5G手机", brand="Apple"),
    Product(product_id="charger", title="安克 100W 氮化镓充电器 Type-C 快充", brand="安克"),
    Product(product_id="mug", title="Ceramic Coffee Mug 12 oz", brand="Acme"),
]

ENGLISH_TOKENS = [  # LexicalIndex.analyze before this change (commit 136990c), verbatim
    (
        "Husky 30x80 in. 1/2-Hour Fire-Rated Steel Door",
        ["huski", "30", "x", "80", "1/2", "hour", "fire", "rate", "steel", "door"],
    ),
    (
        "Milwaukee M18 FUEL 1½ in. Hammer Drill's Kit",
        ["milwauke", "m", "18", "fuel", "1", "1/2", "hammer", "drill", "kit"],
    ),
    ("The Running Shoes for Women’s Trail, Size 9.5", ["run", "shoe", "women", "trail", "size", "9.5"]),
    (
        "ÉCLAIR café crème 100W LED Bulb (2-Pack)",
        ["eclair", "cafe", "creme", "100", "w", "led", "bulb", "2", "pack"],
    ),
    (
        "Sony WH-1000XM5 Wireless Noise Cancelling Headphones",
        ["soni", "wh", "1000", "xm", "5", "wireless", "nois", "cancel", "headphon"],
    ),
    ("Apple iPhone 15 Pro 256GB", ["appl", "iphon", "15", "pro", "256", "gb"]),
]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    products = CATALOG
    words = catalog_words([p.title for p in products], [p.brand for p in products])
    built = LexicalIndex.create(None, LexicalConfig(), LexicalAnalysis("zh", tuple(words)))
    built.upsert(products)
    return built


def _ids(index: LexicalIndex, query: str, k: int = 3) -> list[str]:
    return [hit.product_id for hit in index.search(query, k)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("降噪耳机", {"buds", "sony"}),
        ("连衣裙", {"dress"}),
        ("炒锅", {"wok"}),
        ("积木", {"lego"}),
        ("蓝牙耳机", {"buds"}),
        ("充电器", {"charger"}),
    ],
)
def test_chinese_queries_find_their_products(index: LexicalIndex, query: str, expected: set[str]) -> None:
    assert set(_ids(index, query, k=len(expected))) == expected


@pytest.mark.parametrize(("query", "expected"), [("連衣裙", "dress"), ("耳機 降噪", "buds"), ("炒鍋", "wok")])
def test_traditional_characters_find_simplified_titles(
    index: LexicalIndex, query: str, expected: str
) -> None:
    assert expected in _ids(index, query)


@pytest.mark.parametrize("query", ["ＷＨ－１０００ＸＭ５", "wh-1000xm5", "WH1000XM5", "索尼 wh-1000xm5"])
def test_model_numbers_match_in_any_width_and_case(index: LexicalIndex, query: str) -> None:
    assert _ids(index, query)[0] == "sony"


def test_latin_words_and_model_numbers_stay_whole() -> None:
    words = segment("Apple iPhone 15 手机 WH-1000XM5 100W快充")
    assert {"iphone", "15", "wh-1000xm5", "100w", "手机"} <= set(words)
    assert "wh" not in words and "100" not in words


def test_latin_part_of_a_mixed_catalog_is_stemmed_as_in_english(index: LexicalIndex) -> None:
    assert _ids(index, "coffee mugs") == ["mug"]
    assert index.analyze("iPhone 15 WH-1000XM5") == ["iphon", "15", "wh-1000xm5", "wh1000xm5"]
    assert index.analyze("Café Crème 咖啡杯 2×3") == ["cafe", "creme", "咖啡杯", "2", "3", "咖啡", "啡杯"]


@pytest.mark.parametrize(
    "text",
    [
        "😀🎧耳机！！",
        "【官方旗舰店】，。、；：？",
        "Ｔシャツ кофта 연필 耳机",
        "",
        "   ",
        "\u200b\ufeff",
        "🇨🇳" * 50,
        "耳" * 500,
        "a-" * 100,
        "１２３４５６７８９０",
        "\x00\x01控制字符",
    ],
)
def test_odd_input_is_read_never_raises(index: LexicalIndex, text: str) -> None:
    analyze(text)
    index.analyze(text)
    index.search(text, 5)


def test_fold_widths_traditional_and_case() -> None:
    assert fold("ＷＨ－１０００ＸＭ５") == "wh-1000xm5"
    assert fold("連衣裙 耳機，") == "连衣裙 耳机,"


def test_bigrams_cover_each_han_run() -> None:
    assert bigrams("降噪耳机 黑色 a") == ["降噪", "噪耳", "耳机", "黑色"]


def test_catalog_words_join_the_segmenter_dictionary() -> None:
    titles = ["奥利奥夹心饼干 原味", "奥利奥夹心饼干 巧克力味 猫爪杯", "猫爪杯 草莓味", "玻璃 猫爪杯"]
    assert "奥利奥" not in segment(titles[0])
    words = catalog_words(titles, ["奥利奥", "Oreo"])
    assert words == ["奥利奥", "猫爪杯"]  # the brand with Han characters, the run in 3 titles
    segmenter = ChineseSegmenter(words)
    assert segment(titles[0], segmenter)[0] == "奥利奥"
    assert "猫爪杯" in segment("陶瓷猫爪杯", segmenter)


def test_chinese_analysis_is_saved_with_the_index(tmp_path: Path) -> None:
    folder = tmp_path / "lexical"
    built = LexicalIndex.create(folder, LexicalConfig(), LexicalAnalysis("zh", ("奥利奥",)))
    built.upsert(CATALOG)
    built.close()
    reopened = LexicalIndex.open(folder, LexicalConfig())
    assert reopened.analysis == LexicalAnalysis("zh", ("奥利奥",))
    assert [h.product_id for h in reopened.search("連衣裙", 1)] == ["dress"]


def test_english_index_keeps_its_analysis_and_writes_no_analysis_file(tmp_path: Path) -> None:
    folder = tmp_path / "lexical"
    built = LexicalIndex.create(folder, LexicalConfig())
    built.close()
    assert not (folder / ANALYSIS_FILE).exists()
    reopened = LexicalIndex.open(folder, LexicalConfig())
    assert reopened.analysis.language == "en"
    for title, tokens in ENGLISH_TOKENS:
        assert reopened.analyze(title) == tokens


@pytest.mark.parametrize("fuzzy", [True, False])
def test_chinese_words_get_no_typo_neighbours(fuzzy: bool) -> None:
    """电动牙刷架 (a stand) is one character from 电动牙刷头 (a brush head), another product: the head
    scores by the bigrams it shares, the same with typo tolerance on as off."""
    products = [Product(product_id="head", title="电动牙刷头 替换装"),
                Product(product_id="stand", title="电动牙刷架")]  # fmt: skip
    analysis = LexicalAnalysis("zh", ("电动牙刷头", "电动牙刷架"))
    scores = {}
    for on in (fuzzy, False):
        index = LexicalIndex.create(None, LexicalConfig(fuzzy=on, fuzzy_min_length=3), analysis)
        index.upsert(products)
        scores[on] = {hit.product_id: hit.score for hit in index.search("电动牙刷架", 5)}
    assert scores[fuzzy] == scores[False]


def test_training_indexes_read_the_catalog_in_its_language() -> None:
    chinese_index = LexicalIndex.for_catalog(CATALOG, LexicalConfig())
    assert chinese_index.analysis.language == "zh" and "苏泊尔" in chinese_index.analysis.words
    assert [hit.product_id for hit in chinese_index.search("炒锅", 1)] == ["wok"]
    english = [Product(product_id="mug", title="Ceramic Coffee Mug"), Product(product_id="n", title="Nail")]
    assert LexicalIndex.for_catalog(english, LexicalConfig()).analysis == LexicalAnalysis()
