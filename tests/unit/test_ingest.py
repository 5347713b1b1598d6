"""The ingest pipeline on tiny feeds, against both the in-memory and the SQLite store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from shelfwise.catalog import (
    LAST_REPORT_KEY,
    FeedError,
    FieldMapping,
    IngestReport,
    delete_products,
    format_report,
    ingest_feed,
    ingest_products,
    load_last_report,
)
from shelfwise.records import Product
from shelfwise.store import MemoryStore, SQLiteStore, Store, UpsertOutcome

FEED = (
    "sku,name,price,category,stock,attr_color,internal_note\n"
    "A1,Red Mug,$4.50,Home > Kitchen > Mugs,3,Red,x\n"
    "A2,Blue Mug,abc,Home > Kitchen > Mugs,0,Blue,\n"
    "A3,,12.00,Home,5,,\n"
    "A4,Teapot,24.99,Home/Kitchen/Teapots,,White,y\n"
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "c.db")
    yield backend
    backend.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_consistent(report: IngestReport) -> None:
    assert report.accepted == report.inserted + report.updated + report.unchanged
    assert report.rows_read == report.accepted + report.rejected + report.delete_rows + report.duplicate_rows


def test_good_rows_go_in_and_bad_rows_are_reported(store: Store, tmp_path: Path) -> None:
    report = ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    assert_consistent(report)
    assert (report.rows_read, report.accepted, report.rejected, report.inserted) == (4, 2, 2, 2)
    assert [str(error) for error in report.errors] == [
        "feed.csv:3: field 'price': 'abc' is not a number",
        "feed.csv:4: field 'title': is required but column 'name' is empty",
    ]
    assert report.errors[0].product_id == "A2"
    assert report.ignored_columns == ["internal_note"]
    assert store.count() == 2 and store.get("A2") is None and store.get("A3") is None
    mug = store.get("A1")
    assert mug is not None
    assert (mug.price, mug.category, mug.attributes, mug.stock, mug.in_stock) == (
        4.5,
        ("Home", "Kitchen", "Mugs"),
        {"color": "Red"},
        3,
        True,
    )


def test_reingesting_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", FEED)
    ingest_feed(path, store)
    seq = store.last_seq()
    again = ingest_feed(path, store)
    assert (again.accepted, again.unchanged, again.inserted, again.updated) == (2, 2, 0, 0)
    assert store.last_seq() == seq


def test_changed_price_is_an_update(store: Store, tmp_path: Path) -> None:
    ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    report = ingest_feed(write(tmp_path / "feed.csv", FEED.replace("24.99", "19.99")), store)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    teapot = store.get("A4")
    assert teapot is not None and teapot.price == 19.99


def test_a_rejected_row_leaves_the_stored_product_untouched(store: Store, tmp_path: Path) -> None:
    ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    before = store.get("A1")
    report = ingest_feed(write(tmp_path / "next.csv", "sku,name,price,stock\nA1,New Name,9.99,oops\n"), store)
    assert [str(e) for e in report.errors] == ["next.csv:2: field 'stock': 'oops' is not a whole number"]
    assert store.get("A1") == before


def test_duplicate_ids_later_row_wins_with_a_warning(store: Store, tmp_path: Path) -> None:
    text = "sku,name,price\nA1,First,1\nA2,Other,2\nA1,Second,3\n"
    path = write(tmp_path / "feed.csv", text)
    report = ingest_feed(path, store, batch_size=1)
    assert_consistent(report)
    assert (report.accepted, report.inserted, report.duplicate_rows) == (2, 2, 1)
    assert report.warnings == ["feed.csv:2: product 'A1' appears again at line 4; it wins"]
    product = store.get("A1")
    assert product is not None and (product.title, product.price) == ("Second", 3.0)
    assert ingest_feed(path, store, batch_size=1).unchanged == 2


def test_deletion_rows_remove_products(store: Store, tmp_path: Path) -> None:
    ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    text = "sku,name,price,_delete\nA1,,,yes\nA4,Teapot,30,no\nZZ,,,true\n"
    report = ingest_feed(write(tmp_path / "changes.csv", text), store)
    assert_consistent(report)
    assert (report.delete_rows, report.deleted, report.updated, report.rejected) == (2, 1, 1, 0)
    assert report.warnings == ["1 deletions named products not in the catalog: ZZ"]
    assert store.get("A1") is None and store.count() == 1


def test_delete_products(store: Store) -> None:
    ingest_products(store, [Product(product_id="A", title="a"), Product(product_id="B", title="b")])
    report = delete_products(store, ["A", "missing", "A"])
    assert (report.delete_rows, report.deleted) == (2, 1)
    assert store.count() == 1 and store.get("A") is None


def test_ingest_products_counts_and_duplicates(store: Store) -> None:
    products = [
        Product(product_id="A", title="a"),
        Product(product_id="B", title="b"),
        Product(product_id="A", title="a2"),
    ]
    report = ingest_products(store, products, batch_size=1)
    assert_consistent(report)
    assert (report.rows_read, report.accepted, report.inserted, report.duplicate_rows) == (3, 2, 2, 1)
    product = store.get("A")
    assert product is not None and product.title == "a2"
    again = ingest_products(store, [Product(product_id="B", title="b"), Product(product_id="C", title="c")])
    assert (again.unchanged, again.inserted) == (1, 1)


def test_report_is_saved_in_the_store(store: Store, tmp_path: Path) -> None:
    report = ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    assert store.get_document(LAST_REPORT_KEY) is not None
    assert load_last_report(store) == report


class RecordingStore(MemoryStore):
    """Remembers the size of every upsert batch."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def upsert(self, products: Sequence[Product]) -> list[UpsertOutcome]:
        self.batches.append(len(products))
        return super().upsert(products)


def test_rows_are_written_in_batches_with_progress(tmp_path: Path) -> None:
    lines = ["sku,name"] + [f"P{i},Product {i}" for i in range(25)]
    path = write(tmp_path / "feed.csv", "\n".join(lines) + "\n")
    store = RecordingStore()
    calls: list[tuple[int, int]] = []
    report = ingest_feed(path, store, batch_size=10, progress=lambda done, total: calls.append((done, total)))
    assert store.batches == [10, 10, 5]
    assert report.inserted == 25
    assert calls == [(10, 25), (20, 25), (25, 25)]


def test_jsonl_feed_with_a_broken_line(store: Store, tmp_path: Path) -> None:
    text = (
        '{"id": "J1", "title": "Lamp", "price": 20, "attributes": {"finish": "brass"}}\n'
        '{"id": "J2", "title": \n'
        '{"id": "J3", "title": "Rug", "category": ["Home", "Rugs"], "in_stock": "out of stock"}\n'
    )
    report = ingest_feed(write(tmp_path / "feed.jsonl", text), store)
    assert (report.accepted, report.rejected) == (2, 1)
    assert str(report.errors[0]).startswith("feed.jsonl:2: malformed JSON")
    rug = store.get("J3")
    assert rug is not None and rug.category == ("Home", "Rugs") and rug.in_stock is False


def test_jsonl_rows_with_different_keys(store: Store, tmp_path: Path) -> None:
    text = '{"id": "K1", "name": "Kettle", "color": "red"}\n{"sku": "K2", "title": "Pot", "note": "x"}\n'
    report = ingest_feed(write(tmp_path / "feed.jsonl", text), store)
    assert report.accepted == 2
    assert report.ignored_columns == ["color", "note"]


def test_explicit_mapping(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", "code,headline,cost\nC1,Chair,49\n")
    mapping = FieldMapping.from_pairs(["product_id=Code", "title=headline", "price=cost", "brand=maker"])
    report = ingest_feed(path, store, mapping)
    assert report.accepted == 1
    assert report.warnings == ["mapped column 'maker' (for brand) is not in the feed"]
    chair = store.get("C1")
    assert chair is not None and (chair.title, chair.price) == ("Chair", 49.0)


def test_feed_without_an_id_column_is_refused_before_writing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", "code,headline\nC1,Chair\n")
    with pytest.raises(FeedError, match="no column gives the product id"):
        ingest_feed(path, store)
    assert store.count() == 0 and store.get_document(LAST_REPORT_KEY) is None


def test_broken_file_is_refused_before_writing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(b"sku,name\nA1,Mug\nA2,Caf\xe9\n")
    with pytest.raises(FeedError, match="feed.csv:3: not UTF-8"):
        ingest_feed(path, store)
    assert store.count() == 0


def test_error_list_is_capped_but_counted(tmp_path: Path) -> None:
    lines = ["sku,name,price"] + [f"P{i},Item,bad" for i in range(30)]
    report = ingest_feed(write(tmp_path / "feed.csv", "\n".join(lines)), MemoryStore(), max_errors=5)
    assert (report.rejected, len(report.errors), report.errors_omitted) == (30, 5, 25)


def test_format_report(tmp_path: Path) -> None:
    report = ingest_feed(write(tmp_path / "feed.csv", FEED), MemoryStore())
    text = format_report(report)
    assert "rows read           4" in text
    assert "accepted            2  (inserted 2, updated 0, unchanged 0)" in text
    assert "ignored columns: internal_note" in text
    assert "  feed.csv:3: field 'price': 'abc' is not a number" in text
