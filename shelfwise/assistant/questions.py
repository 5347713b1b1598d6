"""The one question whose answer splits the candidates best: the field (category, brand, price
range, an attribute) with the highest entropy of its values over the current candidates,
weighted by the share of candidates that have a value. Pure functions."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from shelfwise.assistant.records import Option
from shelfwise.records import Product

_MEASUREMENT = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*[a-zA-Z\u4e00-\u9fff\"]")
MAX_OPTIONS = 5
MIN_COVERAGE = 0.6
"""a field most candidates lack a value for is not worth asking about"""


def entropy(counts: Iterable[int]) -> float:
    """Shannon entropy in bits of a distribution given by counts."""
    values = [c for c in counts if c > 0]
    total = sum(values)
    if total == 0:
        return 0.0
    return -sum(c / total * math.log2(c / total) for c in values)


def field_values(product: Product, field: str, category_depth: int) -> str | None:
    """The value of `field` a question groups `product` by (price is bucketed separately)."""
    if field == "brand":
        return product.brand or None
    if field == "category":
        if len(product.category) <= category_depth:
            return None
        return " > ".join(product.category[: category_depth + 1])
    if field.startswith("attr:"):
        return product.attributes.get(field.removeprefix("attr:")) or None
    return None


def candidate_fields(products: Sequence[Product], skip: frozenset[str]) -> list[str]:
    """Fields to weigh: category, brand, price and every attribute of the candidates, less `skip`."""
    names = sorted({name for p in products for name in p.attributes})
    fields = ["category", "brand", "price", *(f"attr:{name}" for name in names)]
    return [f for f in fields if f not in skip]


def information(products: Sequence[Product], field: str, category_depth: int) -> tuple[float, Counter[str]]:
    """The expected information (bits) of asking about `field`, and its value counts."""
    if field == "price":
        buckets = price_buckets(products)
        counts: Counter[str] = Counter(
            {label: sum(1 for p in products if _in(p, low, high)) for label, low, high in buckets}
        )
    else:
        counts = Counter(
            v for v in (field_values(p, field, category_depth) for p in products) if v is not None
        )
        if field.startswith("attr:") and _measured(counts):
            return 0.0, counts
    if len(counts) < 2 or not products:
        return 0.0, counts
    covered = sum(counts.values())
    coverage = covered / len(products)
    offered = sum(count for _, count in counts.most_common(MAX_OPTIONS))
    if coverage < MIN_COVERAGE or offered < MIN_COVERAGE * covered:  # too spread to offer as options
        return 0.0, counts
    return entropy(counts.values()) * coverage, counts


def best_question(
    products: Sequence[Product], skip: frozenset[str], category_depth: int, language: str = "en"
) -> tuple[str, float, list[Option]] | None:
    """The most informative field, its bits and its options (most common values first, at most
    five); None when no field splits the candidates."""
    best: tuple[str, float, Counter[str]] | None = None
    for field in candidate_fields(products, skip):
        bits, counts = information(products, field, category_depth)
        if bits > 0 and (best is None or bits > best[1] + 1e-9):
            best = (field, bits, counts)
    if best is None:
        return None
    field, bits, counts = best
    if field == "price":
        options = [
            Option(
                label=label, field="price", value=label, count=counts[label], price_min=low, price_max=high
            )
            for label, low, high in price_buckets(products)
            if counts[label]
        ]
        options = [
            o.model_copy(update={"label": price_label(o.price_min, o.price_max, language)}) for o in options
        ]
    else:
        options = [
            Option(label=value.split(" > ")[-1], field=field, value=value, count=count)
            for value, count in counts.most_common(MAX_OPTIONS)
        ]
    return field, bits, options


def price_buckets(products: Sequence[Product]) -> list[tuple[str, float | None, float | None]]:
    """Three price ranges cut at the candidates' terciles (rounded), as (label, low, high);
    fewer when prices repeat. Labels are plain numbers ('under 200', '200-500', 'over 500')."""
    prices = sorted(p.price for p in products if p.price is not None)
    if len(prices) < 3:
        return []
    cuts = sorted({_nice(prices[len(prices) // 3]), _nice(prices[2 * len(prices) // 3])})
    cuts = [c for c in cuts if prices[0] < c <= prices[-1]]
    if not cuts:
        return []
    edges: list[float | None] = [None, *cuts, None]
    buckets = []
    for low, high in zip(edges, edges[1:], strict=False):
        if low is None:
            label = f"under {_num(high)}"
        elif high is None:
            label = f"{_num(low)}+"
        else:
            label = f"{_num(low)}-{_num(high)}"
        buckets.append((label, low, None if high is None else high - 0.01))
    return buckets


def _measured(counts: Counter[str]) -> bool:
    """Values that are mostly measurements ("1.12 kg", "250 g", "20L"): a range, not a choice
    among values (asking "which weight?" offers a list of numbers)."""
    measured = sum(count for value, count in counts.items() if _MEASUREMENT.match(value))
    return measured >= 0.8 * sum(counts.values())


def price_label(low: float | None, high: float | None, language: str) -> str:
    """'under 200', '200-500', '500+' ('200以下', '200-500', '500以上' in Chinese)."""
    top = None if high is None else high + 0.01
    if language == "zh":
        return (
            f"{_num(top)}以下"
            if low is None
            else (f"{_num(low)}以上" if top is None else f"{_num(low)}-{_num(top)}")
        )
    return (
        f"under {_num(top)}"
        if low is None
        else (f"{_num(low)}+" if top is None else f"{_num(low)}-{_num(top)}")
    )


def _in(product: Product, low: float | None, high: float | None) -> bool:
    price = product.price
    return price is not None and (low is None or price >= low) and (high is None or price <= high)


def _nice(value: float) -> float:
    """A round number near `value` (two significant digits)."""
    if value <= 0:
        return 0.0
    step = 10 ** max(0, int(math.log10(value)) - 1)
    return float(round(value / step) * step)


def _num(value: float | None) -> str:
    return "" if value is None else (f"{value:.0f}" if value == int(value) else f"{value:.2f}")
