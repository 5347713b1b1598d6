"""The demo shop: a deterministic catalog of fictional products, and a shop-style feed of it.

`generate_demo_catalog` builds the products directly. `write_demo_feed` writes the same products
as a shop would export them (its own column names, prices as text, attributes as an object) plus
a few deliberately bad rows, so the demo goes through the same ingestion as a real shop's feed:

    info = write_demo_feed(path)
    report = ingest_feed(info.path, store, demo_field_mapping())
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shelfwise.catalog.feed import FieldMapping
from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
from shelfwise.demo.vocab import Department, Kind, load_departments
from shelfwise.records import CATEGORY_SEPARATOR, Product

DEPARTMENTS: tuple[Department, ...] = load_departments("en")
DEMO_FEED_COLUMNS: tuple[str, ...] = (
    "sku",
    "name",
    "brand",
    "category_path",
    "description",
    "price",
    "specs",
    "qty",
    "availability",
    "avg_rating",
    "image_link",
    "supplier_code",
)
_PRICE_SPREAD = 0.35
_OUT_OF_STOCK = 0.09
_NO_RATING = 0.06


@dataclass(frozen=True)
class DemoFeed:
    """What `write_demo_feed` wrote: `rows` = `products` good rows + `bad_rows` broken ones."""

    path: Path
    rows: int
    products: int
    bad_rows: int


def demo_field_mapping() -> FieldMapping:
    """The mapping from the demo feed's column names to Shelfwise fields."""
    return FieldMapping(
        columns={
            "product_id": "sku",
            "title": "name",
            "brand": "brand",
            "category": "category_path",
            "description": "description",
            "price": "price",
            "attributes": "specs",
            "stock": "qty",
            "in_stock": "availability",
            "rating": "avg_rating",
            "image_url": "image_link",
        },
        use_defaults=False,
    )


def _fill(template: str, values: dict[str, str]) -> str:
    return " ".join(template.format_map(values).split())


def _demo_price(median: float, rng: random.Random) -> float:
    """Log-normal around the median, rounded the way shops price: 7.49, 49.99, 899.99."""
    raw = median * math.exp(rng.gauss(0.0, _PRICE_SPREAD))
    if raw < 10:
        return round(max(0.0, math.floor(raw)) + rng.choice((0.49, 0.99)), 2)
    if raw < 200:
        return round(math.floor(raw) + 0.99, 2)
    return round(round(raw / 10) * 10 - 0.01, 2)


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
    sentences = [pitch, f"Highlights include {first}, {second} and {third}."]
    if attributes:
        details = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in attributes.items())
        sentences.append(f"Details: {details}.")
    if rng.random() < 0.5:
        sentences.append(_fill(rng.choice(department.closers), values))
    return " ".join(sentences)


def _demo_product(
    number: int, department: Department, kind: Kind, rng: random.Random, titles: set[str]
) -> Product:
    for _ in range(8):  # a few tries for a title not used yet
        values, attributes = _pick(department, kind, rng)
        title = _fill(kind.title, values)
        if title not in titles:
            break
    titles.add(title)
    stock = 0 if rng.random() < _OUT_OF_STOCK else min(999, 1 + int(rng.expovariate(1 / 40)))
    rating = None if rng.random() < _NO_RATING else round(min(5.0, max(1.0, rng.gauss(4.2, 0.5))), 1)
    return Product(
        product_id=f"SW-{number:06d}",
        title=title,
        description=_description(department, kind, values, attributes, rng),
        brand=values["brand"],
        category=(department.name, *kind.path),
        price=_demo_price(kind.price, rng),
        currency="USD",
        attributes=attributes,
        in_stock=stock > 0,
        stock=stock,
        rating=rating,
    )


def generate_demo_catalog(n: int = 6000, seed: int = 7) -> list[Product]:
    """`n` fictional products over every department, the same for the same seed.

    Kinds are dealt in shuffled rounds, so every kind gets n / (number of kinds) products, give
    or take one, and even a small catalog spans all departments.
    """
    rng = random.Random(seed)
    slots = [(department, kind) for department in DEPARTMENTS for kind in department.kinds]
    titles: set[str] = set()
    products: list[Product] = []
    deck: list[tuple[Department, Kind]] = []
    for number in range(1, n + 1):
        if not deck:
            deck = list(slots)
            rng.shuffle(deck)
        department, kind = deck.pop()
        products.append(_demo_product(number, department, kind, rng, titles))
    return products


def _shop_row(product: Product) -> dict[str, object]:
    number = int(product.product_id.removeprefix("SW-"))
    return {
        "sku": product.product_id,
        "name": product.title,
        "brand": product.brand,
        "category_path": CATEGORY_SEPARATOR.join(product.category),
        "description": product.description,
        "price": "" if product.price is None else f"{product.price:.2f} {product.currency}",
        "specs": dict(product.attributes),
        "qty": product.stock,
        "availability": "in stock" if product.in_stock else "out of stock",
        "avg_rating": product.rating,
        "image_link": product.image_url,
        "supplier_code": f"SUP-{(number * 7919) % 100_000:05d}",
    }


def _bad_row(index: int, good: Product) -> dict[str, object]:
    """A broken copy of a good row under a new sku, rejected for its missing name or sku; the
    kinds of breakage take turns."""
    row = _shop_row(good)
    row["sku"] = f"SW-{900_001 + index}"
    breakage = index % 5
    if breakage == 0:
        row["name"] = ""
    elif breakage == 1:
        row["price"], row["name"] = "N/A", ""
    elif breakage == 2:
        row["price"], row["sku"] = f"-12.00 {good.currency}", ""
    elif breakage == 3:
        row["availability"], row["name"] = "ask in store", ""
    else:
        row["avg_rating"], row["sku"] = 7.5, ""
    return row


def _feed_rows(products: list[Product], bad_rows: int) -> Iterator[dict[str, object]]:
    positions = {(k + 1) * len(products) // (bad_rows + 1): k for k in range(bad_rows)}
    unrated = [i for i, product in enumerate(products) if product.rating is None]
    noted = set(unrated[:: max(1, len(unrated) // bad_rows)][:bad_rows]) if bad_rows else set()
    for i, product in enumerate(products):
        if i in positions:
            yield _bad_row(positions[i], product)
        row = _shop_row(product)
        if i in noted:  # left out with a warning, so the product is stored as generated
            row["avg_rating"] = "no reviews yet"
        yield row


def _open_for_writing(path: Path) -> IO[str]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "wt", encoding="utf-8", newline="")
    return path.open("w", encoding="utf-8", newline="")


def write_demo_feed(
    path: str | Path, n: int = 6000, seed: int = 7, bad_rows: int | None = None, language: str = "en"
) -> DemoFeed:
    """Write the demo catalog as a shop feed: JSONL (.jsonl/.ndjson) or CSV (.csv), .gz allowed.

    The feed holds `generate_demo_catalog(n, seed)` plus `bad_rows` broken rows (default n // 400,
    under 1%) without a name or sku, some also with a price of 'N/A' or below zero, an unknown
    availability or a rating out of range; as many unrated products say 'no reviews yet' for a
    rating, which ingestion leaves out with a warning. Read it with `demo_field_mapping()`.
    `language="zh"` writes the Chinese demo catalog (`catalog_zh.generate_demo_catalog_zh`) instead.
    """
    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    if not name.endswith((".jsonl", ".ndjson", ".csv")):
        raise ValueError(f"{path.name}: the demo feed is written as .jsonl, .ndjson or .csv")
    products = _demo_products(n, seed, language)
    bad = n // 400 if bad_rows is None else max(0, bad_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with _open_for_writing(path) as handle:
        writer = csv.writer(handle) if name.endswith(".csv") else None
        if writer is not None:
            writer.writerow(DEMO_FEED_COLUMNS)
        for row in _feed_rows(products, bad):
            rows += 1
            if writer is None:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                writer.writerow(_csv_cell(row[column]) for column in DEMO_FEED_COLUMNS)
    return DemoFeed(path=path, rows=rows, products=len(products), bad_rows=rows - len(products))


def _demo_products(n: int, seed: int, language: str) -> list[Product]:
    if language == "en":
        return generate_demo_catalog(n, seed)
    if language == "zh":
        return generate_demo_catalog_zh(n, seed)
    raise ValueError(f"the demo shop speaks en or zh, not {language!r}")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
