"""Comparing two or three products on their data and review summaries: each product's facts,
then, for "which is lighter?" / "哪个更轻", the one with the least (or most) of the field, read
as a number with its unit ("1.2 kg" against "850 g"). Says so when the data cannot tell."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from shelfwise.aspects.records import ReviewSummary
from shelfwise.assistant.cues import Comparative
from shelfwise.assistant.records import Statement
from shelfwise.assistant.replies import product_statement, text, verdict_statement
from shelfwise.records import Product

_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-zA-Z\u4e00-\u9fff\"]*)")
_UNIT_FACTORS = {
    "kg": 1000.0, "千克": 1000.0, "公斤": 1000.0, "g": 1.0, "克": 1.0, "lb": 453.6, "lbs": 453.6, "oz": 28.35,
    "l": 1000.0, "升": 1000.0, "ml": 1.0, "毫升": 1.0, "h": 60.0, "hr": 60.0, "hrs": 60.0, "hours": 60.0,
    "小时": 60.0, "min": 1.0, "分钟": 1.0, "tb": 1024.0, "gb": 1.0, "in": 2.54, "\"": 2.54, "inch": 2.54,
    "英寸": 2.54, "cm": 1.0, "mm": 0.1, "厘米": 1.0,
}  # fmt: skip


def quantity(value: str) -> float | None:
    """A value as one comparable number: the first number, scaled by its unit to the unit's base
    (grams, millilitres, minutes, gigabytes, centimetres); None when there is no number."""
    found = _QUANTITY.search(value.replace(",", "."))
    if found is None:
        return None
    number = float(found.group(1))
    return number * _UNIT_FACTORS.get(found.group(2).lower(), 1.0)


def compare_field(products: Sequence[Product], comparative: Comparative) -> str | None:
    """The field all the products have a number for, the first of the comparative's fields."""
    for name in comparative.fields:
        field = name if name in ("price", "rating") else f"attr:{name}"
        if all(_number(p, field) is not None for p in products):
            return field
    return None


def comparison(
    products: Sequence[Product],
    comparative: Comparative | None,
    summaries: Mapping[str, ReviewSummary | None],
    language: str,
) -> list[Statement]:
    """The products side by side (the compared field first), then the verdict, if asked."""
    field = None if comparative is None else compare_field(products, comparative)
    fields = (field,) if field is not None and field.startswith("attr:") else ()
    statements = [product_statement(p, summaries.get(p.product_id), language, fields) for p in products]
    if comparative is None:
        return statements
    word = comparative.zh if language == "zh" else comparative.en
    if field is None:
        return [*statements, Statement(text=text(language, "compare_missing").format(word=word))]
    ranked = sorted(products, key=lambda p: _number(p, field) or 0.0, reverse=not comparative.least)
    winner, others = ranked[0], ranked[1:]
    verdict = verdict_statement(winner, others, field, word, language)
    return statements if verdict is None else [*statements, verdict]


def _number(product: Product, field: str) -> float | None:
    if field == "price":
        return product.price
    if field == "rating":
        return product.rating
    value = product.attributes.get(field.removeprefix("attr:"))
    return None if value is None else quantity(value)
