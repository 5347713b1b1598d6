"""Grounding: the replies the templates make pass the checker, and a deliberately wrong reply (a
price, a weight, a brand or a review statement not in the data) is refused. The FAQ: files read
(JSON lines, YAML) with errors naming the line, and questions matched or not known."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.aspects.records import ReviewSummary, SummaryStatement
from shelfwise.assistant import FaqEntry, FaqFileError, Source, Statement, check, read_faq
from shelfwise.assistant.compare import comparison, quantity
from shelfwise.assistant.cues import COMPARATIVES
from shelfwise.assistant.faq import FaqIndex, ShopFaq
from shelfwise.assistant.replies import product_statement
from shelfwise.models import HashingEncoder
from shelfwise.records import Product
from tests.assistant_shop import english_products

PRODUCTS = {p.product_id: p for p in english_products()}
SUMMARY = ReviewSummary(
    product_id="hp1", language="en", reviews=12,
    statements=(SummaryStatement(kind="praise", aspect="noise cancelling", text="noise cancelling is great",
                                 reviews=9, positive=9, negative=0, review_ids=("r1",)),),
)  # fmt: skip
SUMMARIES = {"hp1": SUMMARY}
LIGHTER = next(c for pattern, c in COMPARATIVES if c.en == "lighter")


def test_templated_statements_are_grounded() -> None:
    said = product_statement(PRODUCTS["hp1"], SUMMARY, "en")
    assert said.text == (
        "Sony WH-1000XM5 Wireless Noise Cancelling Headphones — $399, color: black, weight: 250 g; "
        "shoppers say: noise cancelling is great"
    )
    assert check([said], PRODUCTS, SUMMARIES) == []
    compared = comparison([PRODUCTS["lp1"], PRODUCTS["lp3"], PRODUCTS["lp7"]], LIGHTER, {}, "en")
    assert (
        compared[-1].text
        == "Lenovo ThinkPad X1 Carbon Laptop 14 inch is lighter (1.12 kg against 1.19 kg, 1.2 kg)"
    )
    assert check(compared, PRODUCTS, {}) == []


def test_a_deliberately_wrong_reply_is_refused() -> None:
    title = Source(product_id="hp1", field="title", value=PRODUCTS["hp1"].title)
    wrong_price = Statement(
        text=f"{title.value} — $299", sources=(title, Source(product_id="hp1", field="price", value="$299"))
    )
    assert check([wrong_price], PRODUCTS, SUMMARIES) == ["statement 1: hp1's price is '$399', not '$299'"]
    unsourced = Statement(text=f"{title.value} weighs 180 g", sources=(title,))
    assert check([unsourced], PRODUCTS, SUMMARIES) == ["statement 1: the number 180 has no source"]
    other_brand = Statement(text=f"{title.value}, made by Bose", sources=(title,))
    assert check([other_brand], PRODUCTS, SUMMARIES) == ["statement 1: 'Bose' is stated without a source"]
    praise = Source(product_id="hp1", field="review", value="battery lasts for days")
    invented = Statement(text="shoppers say: battery lasts for days", sources=(praise,))
    assert check([invented], PRODUCTS, SUMMARIES) == [
        "statement 1: 'battery lasts for days' is not in hp1's review summary"
    ]
    cited_not_said = Statement(
        text="A fine pair.", sources=(Source(product_id="hp1", field="price", value="$399"),)
    )
    assert check([cited_not_said], PRODUCTS, SUMMARIES) == [
        "statement 1: it cites price='$399' but does not say it"
    ]
    faq = Statement(text="Free shipping.", sources=(Source(field="faq", value="Free shipping."),))
    assert check([faq], PRODUCTS, {}, faq_answers=("Ships in 2 days.",)) == [
        "statement 1: 'Free shipping.' is not a FAQ answer"
    ]


def test_quantities_compare_across_units() -> None:
    assert quantity("1.2 kg") == pytest.approx(1200.0) and quantity("850 g") == 850.0
    assert quantity("1,5 kg") == pytest.approx(1500.0) and quantity("12 小时") == 720.0
    assert quantity("black") is None
    heavy = Product(product_id="x", title="Heavy thing", attributes={"weight": "2 kg"})
    light = Product(product_id="y", title="Light thing", attributes={"weight": "900 g"})
    assert comparison([heavy, light], LIGHTER, {}, "zh")[-1].text == "Light thing更轻（900 g，对比 2 kg）"


def test_faq_files_are_read_and_their_errors_name_the_line(tmp_path: Path) -> None:
    jsonl = tmp_path / "faq.jsonl"
    lines = ['{"question": "Do you ship abroad?", "answer": "Yes, to 30 countries."}', "",
             '{"question": "退货", "answer": "七天无理由退货", "language": "zh"}']  # fmt: skip
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [(e.id, e.language) for e in read_faq(jsonl)] == [("1", ""), ("2", "zh")]  # ids by position
    yaml_file = tmp_path / "faq.yaml"
    yaml_file.write_text("faq:\n  - question: Can I pay by card?\n    answer: Yes.\n", encoding="utf-8")
    assert read_faq(yaml_file)[0].answer == "Yes."
    jsonl.write_text('{"question": "a", "answer": "b"}\n{"question": "c"}\n', encoding="utf-8")
    with pytest.raises(FaqFileError, match=r"faq.jsonl:2: answer: Field required"):
        read_faq(jsonl)
    jsonl.write_text("{nope\n", encoding="utf-8")
    with pytest.raises(FaqFileError, match=r"faq.jsonl:1: not JSON"):
        read_faq(jsonl)


def test_faq_questions_are_matched_or_not_known() -> None:
    entries = [
        FaqEntry(id="ship", question="How long does shipping take?", answer="2 business days."),
        FaqEntry(
            id="ret", question="Can I return an item?", answer="Within 30 days.", alternatives=("refund",)
        ),
        FaqEntry(id="zh", question="多久发货", answer="48小时内发货。", language="zh"),
    ]
    index = FaqIndex(entries, HashingEncoder(), floor=0.45)
    found = index.match("how long does shipping take", "en")
    assert found is not None and found.entry.id == "ship" and found.known
    assert index.match("多久发货？", "zh").entry.id == "zh"  # type: ignore[union-attr]
    unknown = index.match("do you sell gift cards?", "en")
    assert unknown is not None and not unknown.known
    assert FaqIndex([], HashingEncoder(), 0.5).match("anything", "en") is None


class _Named(HashingEncoder):
    """The hashing encoder under another encoder's version (for the FAQ's routing only)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    @property
    def version(self) -> str:
        return self.name


def test_a_chinese_question_on_an_english_only_shop_goes_to_the_multilingual_encoder() -> None:
    entries = [
        FaqEntry(question="多久发货", answer="48小时内发货。"),
        FaqEntry(question="Returns?", answer="30 days."),
    ]
    made: list[str] = []

    def multilingual() -> _Named:
        made.append("e5")
        return _Named("multilingual-e5-small-test")

    shop = ShopFaq(entries, _Named("all-MiniLM-L6-v2"), None, multilingual)
    assert shop.match("Returns?", "en").entry.answer == "30 days." and made == []  # type: ignore[union-attr]
    found = shop.match("多久发货", "zh")
    assert found is not None and found.known and found.entry.answer == "48小时内发货。"
    shop.match("多久发货？", "zh")
    assert made == ["e5"]  # built once
    hashing = ShopFaq(entries, HashingEncoder(), None, multilingual)
    assert hashing.match("多久发货", "zh").known and made == ["e5"]  # type: ignore[union-attr]
