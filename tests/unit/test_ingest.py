"""The ingest pipeline on tiny feeds, against both the in-memory and the SQLite store."""

from __future__ import annotations

import gzip
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
    assert (report.rows_read, report.accepted, report.rejected, report.inserted, report.warned) == (
        4,
        3,
        1,
        3,
        1,
    )
    assert [str(error) for error in report.errors] == ["feed.csv:4: title (column name) is empty or missing"]
    assert [str(warning) for warning in report.field_warnings] == [
        "feed.csv:3: field 'price': 'abc' is not a number"
    ]
    assert report.field_warnings[0].product_id == "A2"
    assert report.ignored_columns == ["internal_note"]
    assert store.count() == 3 and store.get("A3") is None
    blue = store.get("A2")
    assert blue is not None and (blue.title, blue.price, blue.stock) == ("Blue Mug", None, 0)
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
    assert (again.accepted, again.unchanged, again.inserted, again.updated) == (3, 3, 0, 0)
    assert store.last_seq() == seq


def test_changed_price_is_an_update(store: Store, tmp_path: Path) -> None:
    ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    report = ingest_feed(write(tmp_path / "feed.csv", FEED.replace("24.99", "19.99")), store)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    teapot = store.get("A4")
    assert teapot is not None and teapot.price == 19.99


def test_a_rejected_row_leaves_the_stored_product_untouched(store: Store, tmp_path: Path) -> None:
    ingest_feed(write(tmp_path / "feed.csv", FEED), store)
    before = store.get("A1")
    path = write(tmp_path / "next.csv", "sku,name,price,stock\nA1,New Name,9.99,oops\n")
    report = ingest_feed(path, store, strict=True)
    assert [str(e) for e in report.errors] == ["next.csv:2: field 'stock': 'oops' is not a whole number"]
    assert (report.rejected, report.warned, report.field_warnings) == (1, 0, [])
    assert store.get("A1") == before
    report = ingest_feed(path, store)  # without --strict the product is updated, its stock left out
    assert (report.updated, report.warned) == (1, 1)
    after = store.get("A1")
    assert after is not None and (after.title, after.stock) == ("New Name", None)


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
    assert store.get("A1") is None and store.count() == 2


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
    path.write_bytes(b"sku,n\xe4me\nA1,Mug\n")
    with pytest.raises(FeedError, match="feed.csv:1: the header is not UTF-8"):
        ingest_feed(path, store)
    assert store.count() == 0


@pytest.mark.parametrize("name", ["feed.jsonl", "feed.jsonl.gz"])
def test_a_bad_byte_rejects_its_row_and_the_others_go_in(store: Store, tmp_path: Path, name: str) -> None:
    data = b'{"sku": "A1", "name": "Mug"}\n{"sku": "A2", "name": "Caf\xe9"}\n{"sku": "A3", "name": "Pot"}\n'
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    report = ingest_feed(path, store)
    assert_consistent(report)
    assert (report.rows_read, report.accepted, report.rejected) == (3, 2, 1)
    assert [str(e) for e in report.errors] == [
        f'{name}:2: not UTF-8 text: byte 0xe9 after \': "A2", "name": "Caf\'; save the feed as UTF-8'
    ]
    assert store.count() == 2 and store.get("A2") is None


def test_error_list_is_capped_but_counted(tmp_path: Path) -> None:
    lines = ["sku,name,price"] + [f"P{i},Item,bad" for i in range(30)]
    report = ingest_feed(write(tmp_path / "feed.csv", "\n".join(lines)), MemoryStore(), max_errors=5)
    assert (report.warned, len(report.field_warnings), report.field_warnings_omitted) == (30, 5, 25)
    strict = ingest_feed(
        write(tmp_path / "feed.csv", "\n".join(lines)), MemoryStore(), max_errors=5, strict=True
    )
    assert (strict.rejected, len(strict.errors), strict.errors_omitted) == (30, 5, 25)


def test_format_report(tmp_path: Path) -> None:
    report = ingest_feed(write(tmp_path / "feed.csv", FEED), MemoryStore())
    text = format_report(report)
    assert "rows read           4" in text
    assert "accepted            3  (inserted 3, updated 0, unchanged 0)" in text
    assert "warned              1  (accepted without a bad optional field)" in text
    assert "ignored columns: internal_note" in text
    assert "Fields left out (1, first 1 shown; --strict rejects such rows):" in text
    assert "  feed.csv:3: field 'price': 'abc' is not a number" in text
    assert "  feed.csv:4: title (column name) is empty or missing" in text
