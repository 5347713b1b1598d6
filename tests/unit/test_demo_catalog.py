"""The demo shop: deterministic, large and varied enough, valid, and ingestible as a shop feed."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest

from shelfwise.catalog import ingest_feed, read_feed
from shelfwise.demo.catalog import DEPARTMENTS, demo_field_mapping, generate_demo_catalog, write_demo_feed
from shelfwise.records import Product
from shelfwise.store import MemoryStore


@cache
def default_catalog() -> tuple[Product, ...]:
    return tuple(generate_demo_catalog())


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    assert generate_demo_catalog(300, seed=3) == generate_demo_catalog(300, seed=3)
    assert generate_demo_catalog(300, seed=3) != generate_demo_catalog(300, seed=4)
    assert list(default_catalog()) == generate_demo_catalog(6000, seed=7)


def test_size_ids_and_departments() -> None:
    products = default_catalog()
    assert len(products) == 6000
    assert [p.product_id for p in products[:2]] == ["SW-000001", "SW-000002"]
    assert len({p.product_id for p in products}) == len(products)
    assert all(re.fullmatch(r"SW-\d{6}", p.product_id) for p in products)
    departments = Counter(p.category[0] for p in products)
    assert len(departments) >= 8
    assert min(departments.values()) >= 300
    assert all(len(p.category) == 3 for p in products)


def test_small_catalogs_still_span_every_department() -> None:
    products = generate_demo_catalog(120, seed=1)
    assert len(products) == 120
    assert {p.category[0] for p in products} == {d.name for d in DEPARTMENTS}


def test_brands_are_fictional_and_four_to_eight_per_department() -> None:
    brands: dict[str, set[str]] = defaultdict(set)
    for product in default_catalog():
        brands[product.category[0]].add(product.brand)
    assert all(4 <= len(names) <= 8 for names in brands.values()), brands
    famous = {"sony", "apple", "samsung", "nike", "adidas", "lego", "bose", "dewalt", "loreal", "purina"}
    assert not {name.lower() for names in brands.values() for name in names} & famous


def test_products_are_valid_and_plausible() -> None:
    products = default_catalog()
    for product in products:
        assert Product.model_validate(product.model_dump()) == product
        assert product.currency == "USD"
        assert product.price is not None and product.price > 0
        assert f"{product.price:.2f}".endswith((".49", ".99")), product.price
        assert product.attributes and all(product.attributes.values())
        assert product.in_stock == (product.stock is not None and product.stock > 0)
        assert 2 <= product.description.count(". ") + 1 <= 4, product.description
        assert "  " not in product.title and "{" not in product.title + product.description
    assert 0.03 < sum(not p.in_stock for p in products) / len(products) < 0.2
    ratings = [p.rating for p in products if p.rating is not None]
    assert len(ratings) > 0.9 * len(products) and all(1 <= r <= 5 for r in ratings)
    assert len({p.title for p in products}) > 0.95 * len(products)


def test_prices_follow_the_category() -> None:
    by_leaf: dict[str, list[float]] = defaultdict(list)
    for product in default_catalog():
        by_leaf[product.category[-1]].append(product.price or 0.0)
    median = {leaf: sorted(prices)[len(prices) // 2] for leaf, prices in by_leaf.items()}
    assert median["Laptops"] > 10 * median["Spices & Seasonings"]
    assert 60 < median["Headphones"] < 130


def test_products_for_the_multilingual_queries_exist() -> None:
    titles = [p.title for p in default_catalog()]
    red_dresses = [t for t in titles if re.search(r"\bRed\b.*\bDress\b", t)]
    anc_headphones = [t for t in titles if "Wireless Noise Cancelling" in t and "Headphones" in t]
    assert len(red_dresses) >= 5 and len(anc_headphones) >= 5


def test_titles_read_like_shop_titles() -> None:
    titles = {p.title for p in default_catalog()}
    dress = re.compile(
        r"^\w+ Women's [\w ]+ (Linen|Cotton|Silk|Chiffon|Jersey|Satin) [\w-]+ Dress, Size (XS|S|M|L|XL)$"
    )
    assert any(dress.match(title) for title in titles)
    assert any(re.match(r"^\w+ Wireless Noise Cancelling Over-Ear Headphones, Black$", t) for t in titles)


@pytest.mark.parametrize("name", ["demo.jsonl", "demo.csv"])
def test_demo_feed_round_trips_through_ingestion(tmp_path: Path, name: str) -> None:
    info = write_demo_feed(tmp_path / name, n=800, seed=5)
    assert (info.rows, info.products, info.bad_rows) == (802, 800, 2)
    store = MemoryStore()
    report = ingest_feed(info.path, store, demo_field_mapping())
    assert (report.accepted, report.rejected, report.inserted) == (800, 2, 800)
    assert report.ignored_columns == ["supplier_code"]
    assert [e.field for e in report.errors] == ["title", "title", "price"]  # the 2nd row lacks both
    assert report.warned == 2 and {w.reason for w in report.field_warnings} == {
        "'no reviews yet' is not a number"
    }
    assert list(store.iter_products()) == generate_demo_catalog(800, seed=5)


def test_demo_feed_uses_shop_column_names(tmp_path: Path) -> None:
    info = write_demo_feed(tmp_path / "demo.jsonl", n=50, bad_rows=0)
    first = next(iter(read_feed(info.path)))
    assert first.line == 1
    assert set(first.values) >= {"sku", "name", "category_path", "price", "specs", "qty", "availability"}
    assert isinstance(first.values["price"], str) and first.values["price"].endswith(" USD")
    assert isinstance(first.values["specs"], dict)


def test_bad_rows_stay_under_one_percent(tmp_path: Path) -> None:
    info = write_demo_feed(tmp_path / "demo.jsonl", n=6000)
    assert 5 <= info.bad_rows < 0.01 * info.rows
    with pytest.raises(ValueError):
        write_demo_feed(tmp_path / "demo.xlsx", n=10)
