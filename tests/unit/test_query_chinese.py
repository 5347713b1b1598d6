"""Chinese query understanding: each phrase family with the filters and confidence it gives,
pinyin and homophone spelling, traditional and full-width input, and bad input that never raises."""

from __future__ import annotations

import pytest

from shelfwise.query.attributes import AttributeParser
from shelfwise.query.understand import QueryUnderstanding
from tests.zh_catalog import products


@pytest.fixture(scope="module")
def parser() -> AttributeParser:
    return AttributeParser.from_products(products())


@pytest.fixture(scope="module")
def understanding() -> QueryUnderstanding:
    return QueryUnderstanding.build(products())


# query -> (price min, price max, brands, attributes, remaining text)
PHRASES: list[tuple[str, float | None, float | None, tuple[str, ...], dict[str, tuple[str, ...]], str]] = [
    ("50元以下的耳机", None, 50, (), {}, "耳机"),
    ("100块以内", None, 100, (), {}, ""),
    ("不超过200的耳机", None, 200, (), {}, "耳机"),
    ("200-300元 连衣裙", 200, 300, (), {}, "连衣裙"),
    ("200到300元的连衣裙", 200, 300, (), {}, "连衣裙"),
    ("500以内", None, 500, (), {}, ""),
    ("不要超过200的耳机", None, 200, (), {}, "耳机"),
    ("至少100元", 100, None, (), {}, ""),
    ("一百元以下的耳机", None, 100, (), {}, "耳机"),
    ("两百到三百块", 200, 300, (), {}, ""),
    ("2万以内", None, 20000, (), {}, ""),
    ("超过1000的耳机", 1000, None, (), {}, "耳机"),
    ("1万毫安充电宝", None, None, (), {}, "1万毫安充电宝"),
    ("100元左右的T恤", 80, 120, (), {}, "T恤"),
    ("¥99 T恤", 79.2, 118.8, (), {}, "T恤"),
    ("红色连衣裙", None, None, (), {"color": ("红色", "酒红色")}, "红色连衣裙"),
    ("紅色連衣裙", None, None, (), {"color": ("红色", "酒红色")}, "紅色連衣裙"),
    ("红的T恤", None, None, (), {"color": ("红色", "酒红色")}, "红的T恤"),
    ("XL码 纯棉 T恤", None, None, (), {"size": ("XL",), "material": ("棉",)}, "XL码 纯棉 T恤"),
    ("ＸＬ码Ｔ恤", None, None, (), {"size": ("XL",)}, "ＸＬ码Ｔ恤"),
    ("38码 皮鞋", None, None, (), {"size": ("38",)}, "38码 皮鞋"),
    ("大号T恤", None, None, (), {"size": ("L",)}, "大号T恤"),
    ("真皮 皮鞋", None, None, (), {"material": ("真皮",)}, "真皮 皮鞋"),
    ("小米耳机", None, None, ("小米",), {}, "小米耳机"),
    ("索尼耳机", None, None, ("索尼",), {}, "索尼耳机"),
    ("Sony 耳机", None, None, ("索尼",), {}, "Sony 耳机"),
    ("不要红色的连衣裙", None, None, (), {}, "连衣裙"),
    ("不超过200克", None, None, (), {}, "不超过200克"),
    ("3岁以下", None, None, (), {}, "3岁以下"),
    ("无线耳机", None, None, (), {}, "无线耳机"),
    ("红米耳机", None, None, (), {}, "红米耳机"),
]


@pytest.mark.parametrize(("query", "low", "high", "brands", "attributes", "remaining"), PHRASES)
def test_chinese_phrases_give_filters(
    parser: AttributeParser,
    query: str,
    low: float | None,
    high: float | None,
    brands: tuple[str, ...],
    attributes: dict[str, tuple[str, ...]],
    remaining: str,
) -> None:
    parsed = parser.parse(query)
    filters = parsed.to_filters()
    assert (filters.price.min, filters.price.max) == (low, high) if filters.price else low is high is None
    assert filters.brands == brands
    assert filters.attributes == attributes
    assert parsed.remaining_text == remaining


def test_negations_exclude_and_free_forms_stay(parser: AttributeParser) -> None:
    colour = parser.parse("不要红色的连衣裙")
    assert [(c.field, c.negated, c.confidence) for c in colour.constraints] == [("attr:color", True, 0.729)]
    assert colour.negative_terms() == ("红色",) and colour.category_hint == "服装"
    brand = parser.parse("不要苹果")
    assert [(c.field, c.values, c.negated) for c in brand.constraints] == [("brand", ("Apple",), True)]
    question = parser.parse("有没有红色的连衣裙")  # "is there a red dress": no negation
    assert not question.negations and question.to_filters().attributes == {"color": ("红色", "酒红色")}
    sugar = parser.parse("无糖 饮料")
    assert sugar.remaining_text == "无糖 饮料" and sugar.negative_terms(include_free_forms=False) == ()
    assert [(n.term, n.form) for n in sugar.negations] == [("糖", "free")]


def test_confidences_follow_the_english_rules(parser: AttributeParser) -> None:
    def confidence(query: str) -> float:
        return parser.parse(query).constraints[0].confidence

    assert confidence("50元以下") == 0.9  # postfix with currency, as "$50 or less"
    assert confidence("不超过200") == 0.75  # keyword, no currency, as "under 200"
    assert confidence("XL码") == 0.9  # the marker names the size, as "size XL"
    assert confidence("大号") == 0.8  # as "xl": a size word that is nothing else


def test_cheaper_is_the_lower_half_of_the_prices(parser: AttributeParser) -> None:
    price = parser.parse("便宜点的耳机").constraints[0]
    # no category has 20 priced products here: the catalog's median, less the global penalty
    assert price.field == "price" and price.price_max == parser.vocabulary.prices.q50  # type: ignore[union-attr]
    assert price.confidence == 0.55 and parser.parse("便宜点的耳机").remaining_text == "耳机"


@pytest.mark.parametrize(
    ("query", "corrected", "searched"),
    [("连衣群", "连衣裙", "连衣裙"), ("lianyiqun", "连衣裙", "连衣裙"), ("lyq", "连衣裙", "连衣裙"),
     ("erji", "耳机", "耳机"), ("連衣群", "连衣裙", "连衣裙")],
)  # fmt: skip
def test_pinyin_and_homophones_read_as_the_catalog_word(
    understanding: QueryUnderstanding, query: str, corrected: str, searched: str
) -> None:
    reading = understanding.read(query)
    assert reading.did_you_mean == corrected and reading.text == searched


def test_known_words_are_not_read_as_pinyin(understanding: QueryUnderstanding) -> None:
    assert understanding.read("连衣裙").did_you_mean is None
    assert understanding.read("不超过200").did_you_mean is None  # "超过" sounds like "炒锅", but is a word
    assert understanding.read("Sony").did_you_mean is None
    assert understanding.read("hs").did_you_mean is None  # two initials: too often something else
    assert understanding.read("LYQ").did_you_mean is None  # capitals: an acronym, not pinyin
    assert understanding.read("xl码").did_you_mean is None  # glued to Han: not a word of its own
    assert understanding.read("Erji").did_you_mean == "耳机"  # a keyboard's capital is fine


def test_autocomplete_suggests_chinese_for_pinyin(understanding: QueryUnderstanding) -> None:
    for typed in ("lyq", "lianyi", "連衣"):
        assert understanding.suggest(typed, 5)[0].text == "连衣裙"


def test_english_catalog_has_no_pinyin_index() -> None:
    from shelfwise.records import Product

    english = [Product(product_id="a", title="Red Linen Dress", brand="Aurelle", price=40.0)]
    assert QueryUnderstanding.build(english).pinyin is None


@pytest.mark.parametrize(
    "query",
    [
        "😀连衣裙，红色！",
        "不要",
        "无",
        "码",
        "¥",
        "不要的的的",
        "ＸＬ码😀",
        "连衣裙\u200b红色",
        "非",
        "便宜点",
    ],
)
def test_bad_input_never_raises(understanding: QueryUnderstanding, query: str) -> None:
    understanding.read(query)
    understanding.suggest(query)


def test_chinese_words_reach_an_english_catalog_values() -> None:
    from shelfwise.records import Product

    def product(pid: str, title: str, brand: str, color: str, material: str) -> Product:
        attributes = {"color": color, "material": material}
        return Product(product_id=pid, title=title, brand=brand, price=50.0, attributes=attributes)

    catalog = [
        product("a", "Sony WH-1000XM5 Headphones Black", "Sony", "Black", "Plastic"),
        product("b", "Aurelle Red Linen Dress", "Aurelle", "Red", "Linen"),
        product("c", "Aurelle Navy Blue Cotton Dress", "Aurelle", "Navy Blue", "Cotton"),
        product("d", "Aurelle Blue Leather Bag", "Aurelle", "Blue", "Leather"),
    ]
    parser = AttributeParser.from_products(catalog)
    assert parser.parse("索尼耳机").to_filters().brands == ("Sony",)
    assert parser.parse("红色连衣裙").to_filters().attributes == {"color": ("Red",)}
    assert parser.parse("蓝色").to_filters().attributes == {"color": ("Blue", "Navy Blue")}
    assert parser.parse("纯棉 真皮").to_filters().attributes == {"material": ("Cotton", "Leather")}
    assert parser.parse("不要索尼").constraints[0].negated


def test_random_mixed_input_never_raises(understanding: QueryUnderstanding) -> None:
    import random

    alphabet = "红色连衣裙不要无非码号元块以下内到至¥$，。！？ＸＬ码12３0.-~ 😀\u200bAbc漢體的便宜点"
    rng = random.Random(7)
    for _ in range(300):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        understanding.read(query)
        understanding.suggest(query)


def test_a_brand_name_that_titles_also_use_otherwise_is_no_filter(parser: AttributeParser) -> None:
    # "苹果" names Apple, but half the titles with it sell apples: reported, below the filter confidence
    apple = parser.parse("苹果 5斤").constraints[0]
    assert apple.field == "brand" and apple.values == ("Apple",) and apple.confidence < 0.75
    assert parser.parse("苹果 5斤").to_filters(0.75).brands == ()


def test_a_latin_brand_is_not_cut_at_its_spaces() -> None:
    from shelfwise.query.zh_text import brand_aliases

    assert brand_aliases("The North Face") == {"the north face"}
    assert brand_aliases("索尼(SONY)") >= {"索尼", "sony"}
