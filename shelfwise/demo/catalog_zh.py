"""The Chinese demo shop: a deterministic catalog of fictional products in Chinese, priced in CNY.

The same shape as the English demo (`demo.generate_demo_catalog`): kinds dealt in shuffled rounds,
titles from templates, attributes under English keys with Chinese values, a Chinese description.
`write_demo_feed(path, language="zh")` writes it as a shop feed. The English generator is untouched.
"""

from __future__ import annotations

import math
import random

from shelfwise.demo.vocab import Department, Kind
from shelfwise.demo.vocab_zh import ATTRIBUTE_LABELS, DEPARTMENTS_ZH
from shelfwise.records import Product

_PRICE_SPREAD = 0.35
_OUT_OF_STOCK = 0.08
_NO_RATING = 0.05


def _fill(template: str, values: dict[str, str]) -> str:
    return " ".join(template.format_map(values).split())


def zh_price(median: float, rng: random.Random) -> float:
    """Log-normal around the median, priced the way Chinese shops do: 9.9, 69, 199, 1299."""
    raw = median * math.exp(rng.gauss(0.0, _PRICE_SPREAD))
    if raw < 20:
        return math.floor(raw) + 0.9
    if raw < 1000:
        return float(math.floor(raw / 10) * 10 + 9)
    return float(round(raw / 100) * 100 - 1)


def _pick(department: Department, kind: Kind, rng: random.Random) -> tuple[dict[str, str], dict[str, str]]:
    values = {"brand": rng.choice(department.brands), "noun": rng.choice(kind.nouns)}
    for name, options in kind.words:
        values[name] = rng.choice(options)
    attributes = {name: rng.choice(options) for name, options in kind.attrs}
    values.update(attributes)
    return values, attributes


def _description(
    department: Department, kind: Kind, values: dict[str, str], attributes: dict[str, str], rng: random.Random
) -> str:
    pitch = _fill(rng.choice(kind.pitches or department.pitches), values)
    first, second, third = rng.sample(kind.features, 3)
    sentences = [pitch, f"亮点：{first}，{second}，{third}。"]
    if attributes:
        details = "，".join(
            f"{ATTRIBUTE_LABELS.get(name, name)} {value}" for name, value in attributes.items()
        )
        sentences.append(f"参数：{details}。")
    if rng.random() < 0.5:
        sentences.append(rng.choice(department.closers))
    return "".join(sentences)


def _product(
    number: int, department: Department, kind: Kind, rng: random.Random, titles: set[str]
) -> Product:
    for _ in range(8):  # a few tries for a title not used yet
        values, attributes = _pick(department, kind, rng)
        title = _fill(kind.title, values)
        if title not in titles:
            break
    titles.add(title)
    stock = 0 if rng.random() < _OUT_OF_STOCK else min(999, 1 + int(rng.expovariate(1 / 40)))
    rating = None if rng.random() < _NO_RATING else round(min(5.0, max(1.0, rng.gauss(4.5, 0.4))), 1)
    return Product(
        product_id=f"SW-{number:06d}",
        title=title,
        description=_description(department, kind, values, attributes, rng),
        brand=values["brand"],
        category=(department.name, *kind.path),
        price=zh_price(kind.price, rng),
        currency="CNY",
        attributes=attributes,
        in_stock=stock > 0,
        stock=stock,
        rating=rating,
    )


def demo_kinds_zh() -> list[tuple[Department, Kind]]:
    """Every (department, kind) of the Chinese demo, in vocabulary order."""
    return [(department, kind) for department in DEPARTMENTS_ZH for kind in department.kinds]


def generate_demo_catalog_zh(n: int = 6000, seed: int = 7) -> list[Product]:
    """`n` fictional Chinese products over every department, the same for the same seed."""
    rng = random.Random(seed)
    slots = demo_kinds_zh()
    titles: set[str] = set()
    products: list[Product] = []
    deck: list[tuple[Department, Kind]] = []
    for number in range(1, n + 1):
        if not deck:
            deck = list(slots)
            rng.shuffle(deck)
        department, kind = deck.pop()
        products.append(_product(number, department, kind, rng, titles))
    return products
