"""The fact check of generated descriptions and the template grammars it guards: what a text
states (numbers in digits or words, brands the catalog knows, names, colours, sizes, materials,
Chinese ones too), which of it the product's data holds, and that templates pass by
construction: their fixed words state nothing, and a rendered template passes on products with
every kind of slot filled, in English and Chinese."""

from __future__ import annotations

import pytest

from shelfwise.aspects.records import ReviewSummary, SummaryStatement
from shelfwise.describe import (
    GRAMMARS,
    Claim,
    Evidence,
    check,
    choose_grammar,
    claims_in,
    product_input,
    render,
)
from shelfwise.describe.facts import number_value
from shelfwise.describe.grammar import Sentence, Slots, slots_of
from shelfwise.describe.inputs import specific_brands
from shelfwise.records import Product

BRANDS = (
    "Amazon",
    "Starbucks",
    "Build-A-Bear",
    "Gift Card",
    "Generic",
)  # feeds give category words as brands


def _summary(pid: str, language: str = "en") -> ReviewSummary:
    praise = SummaryStatement(kind="praise", aspect="design" if language == "en" else "做工", text="",
                              reviews=12, positive=12, negative=0, review_ids=("r1",))  # fmt: skip
    return ReviewSummary(product_id=pid, language=language, reviews=12, average_rating=4.75,  # type: ignore[arg-type]
                         statements=(praise,))  # fmt: skip


PRODUCTS = [
    Product(product_id="g1", title="Build-A-Bear Gift Card", brand="Build-A-Bear",
            category=("Gift Cards", "Gift Cards"), price=1250, attributes={"pack_size": "3"}),
    Product(product_id="g2", title="Amazon.com Gift Cards, Pack of 3", brand="Amazon",
            category=("Gift Cards", "Gift Cards"), attributes={"pack_size": "3"}),
    Product(product_id="h1", title="Gift Card Holder (Donkey Pinata)", brand="Hallmark",
            category=("Gift Cards", "Gift Card Accessories"),
            attributes={"color": "Pink", "material": "paper"}),
    Product(product_id="c1", title="Linen shirt", brand="Acme", category=("Clothing", "Shirts"), price=39.5,
            attributes={"color": "navy blue", "material": "linen", "size": "XL", "sleeve": "long"}),
    Product(product_id="z1", title="纯棉T恤 男款", brand="优衣库", category=("服装", "男装"), price=99,
            currency="CNY", attributes={"color": "黑色", "material": "纯棉", "size": "大号"}),
    Product(product_id="z2", title="保温杯 500毫升", category=("家居",)),
]  # fmt: skip


def test_numbers_are_compared_as_values() -> None:
    assert [number_value(n) for n in ("1,000", "50.00", "4.80", "3,5", "007")] == [
        "1000",
        "50",
        "4.8",
        "3.5",
        "007",
    ]
    evidence = Evidence.of(["Pack of 3, $1,250.00"])
    assert check("Three cards worth $1250 in a pack of 3.", evidence).passed
    assert check("A pack of 4.", evidence).unsupported == (Claim("number", "4"),)
    assert check("Twelve cards.", evidence).unsupported == (Claim("number", "12"),)
    assert all(c.kind != "number" for c in claims_in("model B00BXLT1UA"))  # digits inside an id


def test_brands_names_colours_sizes_and_materials_must_be_in_the_data() -> None:
    evidence = Evidence.of(["Build-A-Bear Gift Card", "Build-A-Bear", "Gift Cards"], BRANDS)
    text = "Build-A-Bear Gift Card from Starbucks, in blue cotton, size large. Great for Christmas."
    assert {c.value for c in check(text, evidence).unsupported} == {
        "starbucks",
        "blue",
        "cotton",
        "large",
        "christmas",
    }
    assert check("Build-A-Bear Gift Card. Great value.", evidence).passed  # sentence starts are no names
    zh = Evidence.of(["纯棉T恤", "黑色"])
    assert check("黑色纯棉T恤。", zh).passed
    wrong = (Claim("colour", "红色"), Claim("material", "真丝"), Claim("size", "大号"))
    assert check("红色真丝T恤，大号。", zh).unsupported == wrong


def test_no_template_states_anything_of_its_own() -> None:
    for grammar in GRAMMARS:
        for sentence in grammar.sentences:
            for template in sentence.alternatives:
                fixed = template.format(**{name: "" for name in slots_of(template)})
                brands = specific_brands(BRANDS, grammar.match)  # as for a product of its category
                assert claims_in(fixed, brands) == [], (grammar.grammar_id, template)


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.product_id)
def test_a_rendered_template_passes_the_fact_check(product: Product) -> None:
    language = "zh" if product.currency == "CNY" or product.product_id.startswith("z") else "en"
    source = product_input(product, _summary(product.product_id, language), "en", BRANDS)
    grammar = choose_grammar(GRAMMARS, product.category, source.language)
    rendered = render(grammar, source.slots)
    assert rendered.text.startswith(product.title)
    assert ("做工" if language == "zh" else "design") in rendered.text
    assert check(rendered.text, source.evidence).passed, check(rendered.text, source.evidence).reasons()
    assert render(grammar, source.slots) == rendered  # the same data, the same words


def test_the_most_specific_category_grammar_wins_with_a_generic_fallback() -> None:
    assert choose_grammar(GRAMMARS, ("Gift Cards", "Gift Card Accessories"), "en").grammar_id.startswith(
        "gift-card-acc"
    )
    assert choose_grammar(GRAMMARS, ("Gift Cards", "Gift Cards"), "en").grammar_id == "gift-cards/en/1"
    assert choose_grammar(GRAMMARS, ("Garden",), "en").grammar_id == "generic/en/1"
    assert choose_grammar(GRAMMARS, ("服装", "男装"), "zh").grammar_id == "clothing/zh/1"
    assert choose_grammar(GRAMMARS, ("Clothing",), "zh").grammar_id == "generic/zh/1"


def test_sentences_are_left_out_without_their_slots_and_unknown_slots_are_refused() -> None:
    grammar = choose_grammar(GRAMMARS, (), "en")
    assert render(grammar, Slots(title="Mug")).text == "Mug."
    assert (
        render(grammar, Slots(title="Mug", colour="red", price="$5.00")).text
        == "Mug. It comes in red. It sells for $5.00."
    )
    with pytest.raises(ValueError, match="unknown slots"):
        Sentence("bad", ("{title} in {flavour}.",))
