"""Ingestion of whole files: the full demo feed, a Parquet export, and real public shop data."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shelfwise.catalog import format_report, ingest_feed, load_last_report
from shelfwise.demo.catalog import demo_field_mapping, generate_demo_catalog, write_demo_feed
from shelfwise.store import SQLiteStore

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.mark.slow
def test_full_demo_feed_into_sqlite(tmp_path: Path) -> None:
    info = write_demo_feed(tmp_path / "demo-feed.jsonl.gz")
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest_feed(info.path, store, demo_field_mapping(), batch_size=500)
    assert (report.rows_read, report.accepted, report.inserted, report.rejected) == (6015, 6000, 6000, 15)
    assert {e.field for e in report.errors} == {"product_id", "title", "price", "in_stock", "rating"}
    assert report.warned == 15 and {w.field for w in report.field_warnings} == {"rating"}
    assert list(store.iter_products()) == generate_demo_catalog()
    assert load_last_report(store) == report
    again = ingest_feed(info.path, store, demo_field_mapping())
    assert (again.unchanged, again.inserted, again.updated) == (6000, 0, 0)
    store.close()


def test_parquet_export_with_default_column_names(tmp_path: Path) -> None:
    products = generate_demo_catalog(500, seed=11)
    table = pa.table(
        {
            "id": [p.product_id for p in products],
            "title": [p.title for p in products],
            "description": [p.description for p in products],
            "brand": [p.brand for p in products],
            "categories": pa.array([list(p.category) for p in products], pa.list_(pa.string())),
            "price": [p.price for p in products],
            "attributes": pa.array(
                [list(p.attributes.items()) for p in products], pa.map_(pa.string(), pa.string())
            ),
            "quantity": pa.array([p.stock for p in products], pa.int64()),
            "rating": [p.rating for p in products],
            "updated_at": ["2024-01-01"] * len(products),
        }
    )
    path = tmp_path / "export.parquet"
    pq.write_table(table, path, row_group_size=128)
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest_feed(path, store, batch_size=100)
    assert (report.accepted, report.rejected) == (500, 0)
    assert report.ignored_columns == ["updated_at"]
    assert list(store.iter_products()) == products
    store.close()


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "homedepot").is_dir(), reason="shared evaluation data not present")
def test_home_depot_products_tsv(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest_feed(DATA / "homedepot" / "products.tsv", store, batch_size=5000)
    assert (report.rows_read, report.accepted, report.rejected) == (54667, 54667, 0)
    product = store.get("100001")
    assert product is not None and product.title == "Simpson Strong-Tie 12-Gauge Angle"
    store.close()


@pytest.mark.skipif(not (DATA / "amazon-giftcards").is_dir(), reason="shared evaluation data not present")
def test_amazon_metadata_jsonl_with_its_own_field_names(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest_feed(DATA / "amazon-giftcards" / "meta.jsonl", store)
    assert (report.rows_read, report.accepted, report.rejected, report.warned) == (1547, 1547, 0, 4)
    assert {(w.field, w.line) for w in report.field_warnings} == {
        ("price", 311),
        ("price", 354),
        ("price", 664),
        ("price", 1460),
    }
    assert "also_buy" in report.ignored_columns
    card = store.get("B001BKEWF2")  # 'asin' is an alias of product_id
    assert (
        card is not None and card.brand == "Serendipity 3" and card.category == ("Gift Cards", "Gift Cards")
    )
    priced = [p for p in store.iter_products() if p.price is not None]
    assert len(priced) > 300 and all(p.currency == "USD" for p in priced)
    assert "Fields left out (4, first 4 shown; --strict rejects such rows)" in format_report(report)
    products = list(store.iter_products())
    assert not any("<" in p.title or "&#39;" in p.title or "&amp;" in p.title for p in products)
    assert not any(part.startswith("<") for p in products for part in p.category)
    assert not any(p.brand.startswith("by") or "\n" in p.brand for p in products)
    assert sum(bool(p.raw) for p in products) > 0
    strict = ingest_feed(
        DATA / "amazon-giftcards" / "meta.jsonl", SQLiteStore(tmp_path / "s.db"), strict=True
    )
    assert (strict.accepted, strict.rejected, strict.warned) == (1543, 4, 0)
    store.close()
