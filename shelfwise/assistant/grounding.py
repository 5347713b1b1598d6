"""Grounding: every fact a reply states about a product is one of that product's values (its
data, attributes or review summary), rendered one way (`render`), and carried as a `Source`.
`check` refuses a reply that states anything else: a source whose value is not the product's,
a source the text does not state, or a number or a catalog value (a brand, an attribute value)
in the text that no source of the statement covers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from shelfwise.aspects.records import ReviewSummary
from shelfwise.assistant.records import Source, Statement
from shelfwise.records import Product

_SYMBOLS = {"USD": "$", "CNY": "¥", "RMB": "¥", "EUR": "€", "GBP": "£", "JPY": "¥"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class UngroundedReply(ValueError):
    """A reply stated something that is not in the data: it is not sent."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def money(amount: float, currency: str) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    number = f"{amount:.0f}" if amount == int(amount) else f"{amount:.2f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def render(product: Product, field: str) -> str | None:
    """The value of `field` as replies state it; None when the product has none."""
    if field == "title":
        return product.title
    if field == "brand":
        return product.brand or None
    if field == "price":
        return None if product.price is None else money(product.price, product.currency)
    if field == "rating":
        return None if product.rating is None else f"{product.rating:g}"
    if field == "category":
        return " > ".join(product.category) or None
    if field.startswith("attr:"):
        return product.attributes.get(field.removeprefix("attr:")) or None
    return None


def source(product: Product, field: str) -> Source | None:
    value = render(product, field)
    return None if value is None else Source(product_id=product.product_id, field=field, value=value)


def review_sources(product_id: str, summary: ReviewSummary | None, limit: int = 2) -> list[Source]:
    """The first statements of a product's review summary (praise first, as it orders them)."""
    if summary is None:
        return []
    return [Source(product_id=product_id, field="review", value=s.text) for s in summary.statements[:limit]]


def check(
    statements: Sequence[Statement],
    products: Mapping[str, Product],
    summaries: Mapping[str, ReviewSummary | None],
    faq_answers: Sequence[str] = (),
    said: Sequence[str] = (),
) -> list[str]:
    """What is wrong with the reply (empty: every fact is grounded). `said`: the shopper's own
    words a statement may repeat (sources 'said:<field>')."""
    vocabulary = _vocabulary(products.values())
    problems: list[str] = []
    for number, statement in enumerate(statements, 1):
        for found in statement.sources:
            problem = _check_source(found, products, summaries, faq_answers, said)
            if problem is None and found.value not in statement.text:
                problem = f"it cites {found.field}={found.value!r} but does not say it"
            if problem is not None:
                problems.append(f"statement {number}: {problem}")
        rest = statement.text
        for found in sorted(statement.sources, key=lambda s: len(s.value), reverse=True):
            rest = rest.replace(found.value, " ")
        for stated in _NUMBER.findall(rest):
            problems.append(f"statement {number}: the number {stated} has no source")
        for value in vocabulary:
            if _mentions(rest, value):
                problems.append(f"statement {number}: {value!r} is stated without a source")
    return problems


def _check_source(
    found: Source,
    products: Mapping[str, Product],
    summaries: Mapping[str, ReviewSummary | None],
    faq_answers: Sequence[str],
    said: Sequence[str],
) -> str | None:
    if found.field.startswith("said:"):
        return None if found.value in said else f"the shopper did not say {found.value!r}"
    if found.field == "faq":
        return None if found.value in faq_answers else f"{found.value!r} is not a FAQ answer"
    product = products.get(found.product_id)
    if product is None:
        return f"product {found.product_id!r} is not one the reply may speak of"
    if found.field == "review":
        summary = summaries.get(found.product_id)
        stated = set() if summary is None else {s.text for s in summary.statements}
        return (
            None
            if found.value in stated
            else f"{found.value!r} is not in {found.product_id}'s review summary"
        )
    actual = render(product, found.field)
    if actual != found.value:
        return f"{found.product_id}'s {found.field} is {actual!r}, not {found.value!r}"
    return None


def _vocabulary(products: object) -> set[str]:
    """Catalog values a statement may only state with a source: brands and attribute values."""
    values: set[str] = set()
    for product in products:  # type: ignore[attr-defined]
        if product.brand:
            values.add(product.brand)
        values.update(v for v in product.attributes.values() if v and not v.isdigit())
    return {v for v in values if len(v) >= 2}


def _mentions(text: str, value: str) -> bool:
    if re.search(r"[\u4e00-\u9fff]", value):
        return value in text
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text, re.IGNORECASE) is not None
