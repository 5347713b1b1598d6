"""Query attribute parsing: known answers for prices, colours, sizes, materials, brands and negation."""

from __future__ import annotations

from functools import cache

import pytest

from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.query import AttributeParser, CatalogVocabulary, ParsedConstraint, ParsedQuery
from shelfwise.records import Filters, PriceRange, Product

CLOTHING = ("Clothing", "Outerwear", "Jackets")
ELECTRONICS = ("Electronics", "Television & Video", "Televisions")
KITCHEN = ("Home & Kitchen", "Cookware", "Pans")
BEDDING = ("Home & Kitchen", "Bedding", "Sheets")
GROCERY = ("Grocery", "Coffee", "Beans")


def _product(
    number: int, title: str, brand: str, category: tuple[str, ...], price: float, **attributes: str
) -> Product:
    return Product(
        product_id=f"P{number:04d}",
        title=title,
        brand=brand,
        category=category,
        price=price,
        attributes=attributes,
    )


@cache
def small_catalog() -> tuple[Product, ...]:
    """Jackets priced 10..69 (Clothing q25 = 24.75), TVs 200..780, pans, sheets, coffee, blankets."""
    out: list[Product] = []
    colors = ["Red", "Gray", "Navy Blue", "Blue", "Black", "Off-White"]
    sizes = ["S", "M", "L", "XL", "Medium"]
    for i in range(60):
        color, size, material = colors[i % 6], sizes[i % 5], ("Cotton", "Leather")[i % 2]
        brand = "Blue Harbor" if i % 3 == 0 else "Fenwyn"
        out.append(
            _product(
                len(out),
                f"{brand} {color} {material} Jacket, Size {size}",
                brand,
                CLOTHING,
                10.0 + i,
                color=color,
                size=size,
                material=material,
            )
        )
    for i in range(30):
        out.append(
            _product(
                len(out),
                f"Voltrix {40 + i}-Inch Smart TV",
                "Voltrix",
                ELECTRONICS,
                200.0 + 20 * i,
                screen_size=f"{40 + i}-Inch",
            )
        )
    for i in range(20):
        out.append(
            _product(
                len(out),
                "Kitchory Stainless Steel Pan with Lid for Home Cooking",
                "Kitchory",
                KITCHEN,
                30.0 + i,
                material="Stainless Steel",
                color="Silver",
            )
        )
        out.append(
            _product(
                len(out),
                f"Oaklume Cozy Queen Sheet Set {i}",
                "Oaklume",
                BEDDING,
                40.0 + i,
                bed_size=("Queen", "King")[i % 2],
                material="Cotton",
            )
        )
    for i in range(6):
        out.append(_product(len(out), "Home Ceramic Mug", "Home", KITCHEN, 12.0, material="Ceramic"))
        out.append(_product(len(out), "Cozy Fleece Throw", "Cozy", BEDDING, 25.0, material="Fleece"))
        out.append(
            _product(
                len(out),
                f"Goldfurrow Medium Roast Coffee {i}",
                "Goldfurrow",
                GROCERY,
                9.0,
                roast="Medium Roast",
            )
        )
    return tuple(out)


@cache
def parser() -> AttributeParser:
    return AttributeParser(CatalogVocabulary.from_products(small_catalog()))


def parse(query: str) -> ParsedQuery:
    parsed = parser().parse(query)
    for item in (*parsed.constraints, *parsed.negations):  # every span points at its source text
        assert query[item.span[0] : item.span[1]] == item.source
    return parsed


def only(parsed: ParsedQuery, field: str) -> ParsedConstraint:
    found = [c for c in parsed.constraints if c.field == field]
    assert len(found) == 1, parsed.constraints
    return found[0]


def prices(parsed: ParsedQuery) -> list[tuple[float | None, float | None]]:
    return [(c.price_min, c.price_max) for c in parsed.constraints if c.field == "price"]


# -- prices --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "low", "high"),
    [
        ("under $50", None, 50.0),
        ("below 50 dollars", None, 50.0),
        ("less than 50", None, 50.0),
        ("< 50", None, 50.0),
        ("$20-$30", 20.0, 30.0),
        ("20-30 dollars", 20.0, 30.0),
        ("20 to 30 usd", 20.0, 30.0),
        ("between 20 and 30", 20.0, 30.0),
        ("$30 - $20", 20.0, 30.0),
        ("over 100", 100.0, None),
        ("above $100", 100.0, None),
        ("at least 100", 100.0, None),
        ("$100 and up", 100.0, None),
        ("50 dollars or less", None, 50.0),
        ("under $1,200", None, 1200.0),
        ("under $1.5k", None, 1500.0),
        ("$50", 40.0, 60.0),
        ("100元以下", None, 100.0),
    ],
)
def test_price_grammar(query: str, low: float | None, high: float | None) -> None:
    parsed = parse(f"jacket {query}")
    assert prices(parsed) == [(low, high)]
    assert parsed.remaining_text == "jacket"


@pytest.mark.parametrize(
    "query",
    [
        "30 in. vanity",
        "2x4 lumber",
        "1/2 in. pvc",
        "60 watt bulb",
        "10 ft hose",
        "12 volt battery",
        "2 pack",
        "under 10 ft",
        "over 60 watt bulb",
        "up to 50% off",
        "between 20 and 30 inches",
        "2-4 players",
        "4k tv under 4k",
        "model 5000",
        "iphone 13",
        "more than 2 pack",
    ],
)
def test_measurements_and_model_numbers_are_not_prices(query: str) -> None:
    assert prices(parse(query)) == []


def test_price_confidence_orders_currency_keyword_approximate_and_relative() -> None:
    currency = only(parse("under $50"), "price").confidence
    keyword = only(parse("under 50"), "price").confidence
    small = only(parse("under 3"), "price").confidence
    approximate = only(parse("$50"), "price").confidence
    cheap = only(parse("cheap jacket"), "price").confidence
    expensive = only(parse("expensive jacket"), "price").confidence
    assert currency > keyword > approximate > cheap > expensive
    assert keyword > small


def test_cheap_and_expensive_use_the_hinted_category_else_the_catalog() -> None:
    vocabulary = parser().vocabulary
    cheap = parse("cheap jacket")
    assert cheap.category_hint == "Clothing"
    assert prices(cheap) == [(None, 24.75)]  # jackets cost 10..69: the 25th percentile
    assert cheap.remaining_text == "jacket"
    assert vocabulary.prices is not None
    assert prices(parse("affordable things")) == [(None, vocabulary.prices.q25)]
    tv = parse("expensive tv")
    assert tv.category_hint == "Electronics"
    assert prices(tv) == [(vocabulary.category_prices["Electronics"].q75, None)]
    global_cheap = only(parse("cheap things"), "price").confidence
    assert global_cheap < only(cheap, "price").confidence


def test_remaining_text_drops_price_phrases_and_their_lead_ins() -> None:
    assert parse("shoes for under $50").remaining_text == "shoes"
    assert parse("Red jacket, under $50").remaining_text == "Red jacket"
    assert parse("cheap red jacket").remaining_text == "red jacket"
    assert parse("red jacket").remaining_text == "red jacket"


# -- colours, sizes, materials ---------------------------------------------------------------------


def test_colors_map_to_catalog_spellings() -> None:
    assert only(parse("grey jacket"), "attr:color").values == ("Gray",)
    assert only(parse("gray jacket"), "attr:color").values == ("Gray",)
    assert only(parse("off white jacket"), "attr:color").values == ("Off-White",)
    assert only(parse("off-white jacket"), "attr:color").values == ("Off-White",)
    assert only(parse("navy blue jacket"), "attr:color").values == ("Navy Blue",)
    assert only(parse("blue jacket"), "attr:color").values == ("Blue", "Navy Blue")  # exact first
    light = only(parse("light grey jacket"), "attr:color")  # not in the catalog: its grays answer
    assert light.values == ("Gray",) and light.source == "light grey"
    assert light.confidence < only(parse("grey jacket"), "attr:color").confidence


def test_colour_the_catalog_never_uses_is_reported_but_not_filtered() -> None:
    teal = only(parse("teal jacket"), "attr:color")
    assert teal.values == ("Teal",)
    assert teal.confidence < 0.5
    assert parse("teal jacket").to_filters().attributes == {}


def test_sizes_need_a_size_attribute_and_ambiguous_words_rank_low() -> None:
    cued = only(parse("jacket size m"), "attr:size")
    assert cued.values == ("M", "Medium") and cued.source == "size m"
    assert only(parse("jacket XL"), "attr:size").values == ("XL",)
    bare_medium = only(parse("medium jacket"), "attr:size")
    assert bare_medium.values == ("Medium", "M")
    assert bare_medium.confidence < only(parse("jacket size medium"), "attr:size").confidence
    assert [c for c in parse("jacket m").constraints if c.field == "attr:size"] == []
    assert only(parse("jacket M"), "attr:size").confidence < cued.confidence
    assert [c for c in parse("L-shaped desk").constraints if c.field == "attr:size"] == []
    assert only(parse("queen sheets"), "attr:bed_size").values == ("Queen",)
    no_sizes = AttributeParser.from_products(p for p in small_catalog() if "size" not in p.attributes)
    assert [c.field for c in no_sizes.parse("jacket XL").constraints] == []


def test_longer_attribute_value_beats_a_size_word() -> None:
    roast = only(parse("medium roast coffee"), "attr:roast")
    assert roast.values == ("Medium Roast",)
    assert [c for c in parse("medium roast coffee").constraints if c.field == "attr:size"] == []


def test_materials_from_catalog_and_lexicon() -> None:
    assert only(parse("stainless steel pan"), "attr:material").values == ("Stainless Steel",)
    assert only(parse("leather jacket"), "attr:material").values == ("Leather",)
    assert only(parse("cotton sheets"), "attr:material").values == ("Cotton",)
    walnut = only(parse("walnut table"), "attr:material")  # built-in word, not in this catalog
    assert walnut.values == ("Walnut",) and walnut.confidence < 0.5


# -- brands ----------------------------------------------------------------------------------------


def test_brands_case_insensitive_and_longest_match_first() -> None:
    voltrix = only(parse("VOLTRIX tv"), "brand")
    assert voltrix.values == ("Voltrix",) and voltrix.confidence >= 0.9
    harbor = parse("blue harbor jacket")
    assert only(harbor, "brand").values == ("Blue Harbor",)
    assert [c.field for c in harbor.constraints] == ["brand"]  # "blue" is part of the brand here
    assert harbor.remaining_text == "blue harbor jacket"


def test_brand_spelled_like_a_common_or_frequent_title_word_is_not_trusted() -> None:
    voltrix = only(parse("voltrix"), "brand").confidence
    home = only(parse("home mug"), "brand")
    assert home.values == ("Home",) and home.confidence <= 0.4
    cozy = only(parse("cozy sheets"), "brand")  # "Cozy" is also in Oaklume's titles
    assert cozy.values == ("Cozy",)
    assert home.confidence < cozy.confidence < voltrix
    assert parse("home mug").to_filters().brands == ()


# -- negation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "terms", "remaining"),
    [
        ("pan without lid", ("lid",), "pan"),
        ("pan with no lid", ("lid",), "pan"),
        ("pan w/o lid", ("lid",), "pan"),
        ("pan without a lid or handle", ("lid", "handle"), "pan"),
        ("not red jacket", ("red",), "jacket"),
        ("lid-free pan", ("lid",), "lid-free pan"),
        ("bpa free bottle", ("bpa",), "bpa free bottle"),
        ("non-stick pan", (), "non-stick pan"),
        ("no-show socks", (), "no-show socks"),
        ("hands free headset", (), "hands free headset"),
        ("free range eggs", (), "free range eggs"),
        ("no. 2 pencils", (), "no. 2 pencils"),
        ("not too spicy salsa", (), "not too spicy salsa"),
    ],
)
def test_negation(query: str, terms: tuple[str, ...], remaining: str) -> None:
    parsed = parse(query)
    assert parsed.negative_terms() == terms
    assert parsed.remaining_text == remaining


def test_free_forms_are_negations_of_their_own_kind() -> None:
    parsed = parse("bpa free bottle")
    assert [n.form for n in parsed.negations] == ["free"]
    assert parsed.negative_terms(include_free_forms=False) == ()


def test_negated_attributes_and_brands_become_negated_constraints() -> None:
    red = only(parse("not red jacket"), "attr:color")
    assert red.negated and red.values == ("Red",) and red.source == "not red"
    leather = only(parse("jacket without leather"), "attr:material")
    assert leather.negated and leather.values == ("Leather",)
    brand = only(parse("tv no voltrix"), "brand")
    assert brand.negated and brand.values == ("Voltrix",)
    assert parse("jacket without leather").to_filters() == Filters()
    assert parse("leather-free jacket").negative_terms() == ("leather",)
    assert only(parse("leather-free jacket"), "attr:material").negated


# -- filters, serialisation, robustness ------------------------------------------------------------


def test_to_filters_keeps_confident_positive_constraints() -> None:
    parsed = parse("red or blue cotton jacket size XL under $50 not leather")
    filters = parsed.to_filters()
    assert filters == Filters(
        price=PriceRange(max=50.0),
        attributes={"color": ("Red", "Blue", "Navy Blue"), "material": ("Cotton",), "size": ("XL",)},
    )
    assert parsed.negative_terms() == ("leather",)
    assert parse("voltrix tv between $300 and $500").to_filters() == Filters(
        brands=("Voltrix",), price=PriceRange(min=300.0, max=500.0)
    )
    assert parsed.to_filters(min_confidence=0.99) == Filters()


def test_to_filters_intersects_price_bounds_and_resolves_contradictions() -> None:
    assert parse("over $20 under $50").to_filters().price == PriceRange(min=20.0, max=50.0)
    assert parse("over $80 $20").to_filters(min_confidence=0.5).price == PriceRange(min=80.0)
    assert parse("cheap jacket").to_filters(min_confidence=0.4).price == PriceRange(max=24.75)


def test_vocabulary_json_round_trip() -> None:
    vocabulary = parser().vocabulary
    text = vocabulary.to_json()
    assert text.lstrip().startswith("{")
    loaded = CatalogVocabulary.from_json(text)
    assert loaded == vocabulary
    assert loaded.brands["Voltrix"] == 30
    assert loaded.attributes["color"]["Gray"] == 10
    query = "grey cotton jacket size M under $50 without hood"
    assert AttributeParser(loaded).parse(query) == parser().parse(query)
    with pytest.raises(ValueError, match="version"):
        CatalogVocabulary.from_json(text.replace('"version":1', '"version":99'))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "连衣裙",
        "红色连衣裙 100元以下",
        "İstanbul red jacket",
        "🔥 deals",
        "$",
        "under",
        "no",
        "- -",
    ],
)
def test_odd_queries_do_not_crash(query: str) -> None:
    parsed = parse(query)
    assert parsed.original == query


def test_offsets_survive_characters_that_lower_case_longer() -> None:
    parsed = parse("İİ red jacket under $50")
    assert only(parsed, "attr:color").source == "red"
    assert only(parsed, "price").source == "under $50"
    assert parsed.remaining_text == "İİ red jacket"


def test_chinese_price_phrase() -> None:
    parsed = parse("连衣裙 100元以下")
    assert prices(parsed) == [(None, 100.0)]
    assert parsed.remaining_text == "连衣裙"


def test_demo_catalog_red_dress_under_50() -> None:
    demo = AttributeParser.from_products(generate_demo_catalog(600))
    parsed = demo.parse("red dress under $50")
    assert parsed.remaining_text == "red dress"
    assert parsed.category_hint == "Clothing"
    assert only(parsed, "attr:color").values == ("Red",)
    assert only(parsed, "price").price_max == 50.0
    assert parsed.to_filters() == Filters(price=PriceRange(max=50.0), attributes={"color": ("Red",)})
