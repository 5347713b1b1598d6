"""A product's data as the templates and the fact check read it: the slot values (worded once,
here) and the evidence, with a `DescribeProblem` naming the product and the field for each value
that cannot be used (left out of the description, never guessed at)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shelfwise.aspects.records import ReviewSummary
from shelfwise.catalog.clean import has_markup
from shelfwise.describe.facts import Evidence, fold
from shelfwise.describe.grammar import Slots
from shelfwise.describe.records import DescribeLanguage, DescribeProblem
from shelfwise.language.chinese import has_han
from shelfwise.records import Product

MAX_VALUE_CHARS = 120
MAX_DETAILS = 4
GENERIC_BRANDS = frozenset({"generic", "unbranded", "unknown", "none", "n/a", "na", "no brand"})
_OWN_SLOTS = {
    "color": "colour",
    "colour": "colour",
    "material": "material",
    "size": "size",
    "pack_size": "pack",
}
_SYMBOLS = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True)
class ProductInput:
    """What one product's description is written from."""

    product: Product
    language: DescribeLanguage
    slots: Slots
    evidence: Evidence
    problems: tuple[DescribeProblem, ...]


def specific_brands(known_brands: Iterable[str], category: tuple[str, ...]) -> list[str]:
    """The catalog's brands less those that are the product's category words (a feed that gives
    "Gift Card" as a brand): a template naming the category must not read as naming a brand."""
    path = fold(" ".join(category))
    return [brand for brand in known_brands if fold(brand) not in path and fold(brand) not in GENERIC_BRANDS]


def language_of(product: Product, shop_language: str) -> DescribeLanguage:
    """Chinese for a Chinese shop or a title in Chinese characters; English otherwise."""
    return "zh" if shop_language == "zh" or has_han(product.title) else "en"


def _usable(product_id: str, field: str, value: str, problems: list[DescribeProblem]) -> str:
    value = " ".join(value.split())
    if not value:
        return ""
    if has_markup(value):
        problems.append(DescribeProblem(product_id, field, "holds markup"))
        return ""
    if len(value) > MAX_VALUE_CHARS:
        problems.append(DescribeProblem(product_id, field, f"longer than {MAX_VALUE_CHARS} characters"))
        return ""
    return value


def price_words(product: Product, language: DescribeLanguage) -> str:
    if product.price is None:
        return ""
    symbol = _SYMBOLS.get(product.currency)
    amount = f"{product.price:,.2f}"
    if symbol and (language == "en" or product.currency == "CNY"):
        return f"{symbol}{amount}"
    return f"{amount} {product.currency}"


def _join(values: Iterable[str], language: DescribeLanguage) -> str:
    items = [v for v in values if v]
    if language == "zh":
        return "、".join(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _attribute_slots(
    product: Product, language: DescribeLanguage, problems: list[DescribeProblem]
) -> dict[str, str]:
    own: dict[str, str] = {}
    details: list[str] = []
    for name in sorted(product.attributes):
        value = _usable(product.product_id, f"attributes.{name}", product.attributes[name], problems)
        if not value:
            continue
        slot = _OWN_SLOTS.get(name.lower())
        if slot is not None and slot not in own:
            own[slot] = value
        elif len(details) < MAX_DETAILS:
            label = name.replace("_", " ")
            details.append(f"{label}：{value}" if language == "zh" else f"{label} {value}")
    own["details"] = ("；" if language == "zh" else "; ").join(details)
    return own


def _review_slots(product: Product, summary: ReviewSummary | None, language: DescribeLanguage,
                  problems: list[DescribeProblem]) -> dict[str, str]:  # fmt: skip
    if summary is None:
        return {}
    if summary.product_id != product.product_id:
        problems.append(DescribeProblem(product.product_id, "review summary", f"is {summary.product_id}'s"))
        return {}
    praised = [s.aspect for s in summary.statements if s.kind == "praise"][:2]
    found = {"praise": _join(praised, language)}
    if summary.average_rating is not None and summary.reviews > 0:
        found["rating"] = f"{summary.average_rating:.1f}"
        plural = "review" if summary.reviews == 1 else "reviews"
        found["reviews"] = f"{summary.reviews}条评价" if language == "zh" else f"{summary.reviews} {plural}"
    return found


def product_input(
    product: Product, summary: ReviewSummary | None, shop_language: str, known_brands: Iterable[str] = ()
) -> ProductInput:
    """The slots and evidence of one product, and the problems of its fields."""
    language = language_of(product, shop_language)
    problems: list[DescribeProblem] = []
    pid = product.product_id
    category = ""
    for depth in range(len(product.category) - 1, -1, -1):  # the most specific usable part
        category = _usable(pid, f"category[{depth}]", product.category[depth], problems)
        if category:
            break
    values = {
        "title": _usable(pid, "title", product.title, []) or product.title.strip(),
        "brand": _usable(pid, "brand", product.brand, problems),
        "category": category,
        "price": price_words(product, language),
        **_attribute_slots(product, language, problems),
        **_review_slots(product, summary, language, problems),
    }
    brand = values["brand"]
    values["maker"] = brand if brand and brand.lower() not in product.title.lower() else ""
    slots = Slots(**values)
    parts = [product.title, product.brand, *product.category, slots.price, slots.rating, slots.reviews]
    parts += [f"{name} {value}" for name, value in sorted(product.attributes.items())]
    if summary is not None and summary.product_id == pid:
        parts += [statement.aspect for statement in summary.statements]
    evidence = Evidence.of(parts, specific_brands(known_brands, product.category))
    return ProductInput(product, language, slots, evidence, tuple(problems))
