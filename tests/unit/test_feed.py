"""Feed readers, the field mapping and value conversion, on tiny files with known answers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shelfwise.catalog import FeedError, FieldMapping, RawRow, detect_format, read_feed, resolve_columns
from shelfwise.catalog.convert import RowError, convert_row
from shelfwise.catalog.values import (
    InvalidValue,
    parse_attributes,
    parse_bool,
    parse_category,
    parse_count,
    parse_price,
    parse_rating,
)
from shelfwise.records import Product


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def lines_and_values(path: Path) -> list[tuple[int, dict[str, object], str | None]]:
    return [(row.line, row.values, row.error) for row in read_feed(path)]


# --- format detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("feed.csv", "csv"),
        ("FEED.CSV", "csv"),
        ("feed.tsv", "tsv"),
        ("feed.tab", "tsv"),
        ("feed.jsonl", "jsonl"),
        ("feed.ndjson", "jsonl"),
        ("feed.parquet", "parquet"),
        ("feed.csv.gz", "csv"),
        ("feed.v2.jsonl.gz", "jsonl"),
    ],
)
def test_detect_format_by_extension(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


@pytest.mark.parametrize("name", ["feed.xlsx", "feed", "feed.gz", "feed.parquet.gz"])
def test_detect_format_rejects_unknown_extensions(name: str) -> None:
    with pytest.raises(FeedError):
        detect_format(name)


def test_missing_file_is_a_feed_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="no such file"):
        list(read_feed(tmp_path / "absent.csv"))


# --- CSV and TSV ------------------------------------------------------------------------------


def test_csv_line_numbers_count_the_header_and_quoted_newlines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "feed.csv",
        'sku,name,description\n'
        'A1,Mug,"two\nline description"\n'
        '\n'
        'A2,"Tea ""Pot""",plain\n'
        'A3,Lamp,"three\nline\ndescription"\n'
        'A4,Rug,last\n',
    )  # fmt: skip
    rows = lines_and_values(path)
    assert [line for line, _, _ in rows] == [2, 5, 6, 9]
    assert rows[0][1] == {"sku": "A1", "name": "Mug", "description": "two\nline description"}
    assert rows[1][1]["name"] == 'Tea "Pot"'
    assert all(error is None for _, _, error in rows)


def test_csv_with_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes("\ufeffsku,name\r\nA1,Mug\r\nA2,Cup\r\n".encode())
    assert lines_and_values(path) == [
        (2, {"sku": "A1", "name": "Mug"}, None),
        (3, {"sku": "A2", "name": "Cup"}, None),
    ]


def test_csv_row_with_too_many_fields_is_a_row_error(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", "sku,name\nA1,Mug\nA2,Cup,extra\nA3\n")
    rows = lines_and_values(path)
    assert rows[0] == (2, {"sku": "A1", "name": "Mug"}, None)
    assert rows[1] == (3, {}, "row has 3 fields but the header has 2")
    assert rows[2] == (4, {"sku": "A3"}, None)  # short rows just lack the last columns


def test_malformed_csv_row_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", 'sku,name\nA1,"Mug" large\nA2,Cup\n')
    rows = lines_and_values(path)
    assert rows[0][0] == 2 and rows[0][2] is not None and rows[0][2].startswith("malformed CSV")
    assert rows[1] == (3, {"sku": "A2", "name": "Cup"}, None)


def test_unclosed_quote_ends_with_a_row_error_at_the_row_start(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", 'sku,name\nA1,Mug\nA2,"Cup\nA3,Lamp\n')
    rows = lines_and_values(path)
    assert rows[0] == (2, {"sku": "A1", "name": "Mug"}, None)
    assert rows[1][0] == 3 and "unexpected end of data" in str(rows[1][2])


def test_malformed_header_is_a_feed_error(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", '"sku" x,name\nA1,Mug\n')
    with pytest.raises(FeedError, match="feed.csv:1"):
        list(read_feed(path))


def test_duplicate_header_columns_are_a_feed_error(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.csv", "sku,name,sku\nA1,Mug,A2\n")
    with pytest.raises(FeedError, match="'sku' appears twice"):
        list(read_feed(path))


def test_tsv_reader(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.tsv", 'product_id\ttitle\tprice\n1\t12" Pizza Pan\t9.99\n2\tKettle\t\n')
    assert lines_and_values(path) == [
        (2, {"product_id": "1", "title": '12" Pizza Pan', "price": "9.99"}, None),
        (3, {"product_id": "2", "title": "Kettle", "price": ""}, None),
    ]


def test_gzipped_csv(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("sku,name\nA1,Mug\n")
    assert lines_and_values(path) == [(2, {"sku": "A1", "name": "Mug"}, None)]


# --- JSONL ------------------------------------------------------------------------------------


def test_jsonl_broken_lines_are_row_errors_with_physical_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "feed.jsonl",
        '{"sku": "A1", "tags": ["a", "b"], "attributes": {"color": "red"}}\n'
        "\n"
        '{"sku": "A2", "name": \n'
        "[1, 2]\n"
        '{"sku": "A3"}\n',
    )
    rows = lines_and_values(path)
    assert [line for line, _, _ in rows] == [1, 3, 4, 5]
    assert rows[0][1] == {"sku": "A1", "tags": ["a", "b"], "attributes": {"color": "red"}}
    assert rows[1][2] is not None and rows[1][2].startswith("malformed JSON")
    assert rows[2][2] == "expected a JSON object, got list"
    assert rows[3] == (5, {"sku": "A3"}, None)


def test_gzipped_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "feed.ndjson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write('{"sku": "A1"}\n{"sku": "A2"}\n')
    assert [row.values["sku"] for row in read_feed(path)] == ["A1", "A2"]


def test_invalid_utf8_in_jsonl_rejects_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b'{"sku": "A1"}\n{"sku": "Caf\xe9"}\n{"sku": "A3"}\n')
    rows = lines_and_values(path)
    assert rows[0] == (1, {"sku": "A1"}, None) and rows[2] == (3, {"sku": "A3"}, None)
    assert rows[1] == (2, {}, 'not UTF-8 text: byte 0xe9 after \'{"sku": "Caf\'; save the feed as UTF-8')


def test_lone_surrogate_escape_in_jsonl_is_a_row_error(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.jsonl", '{"sku": "A\\udc80"}\n{"sku": "\\ud83d\\ude00"}\n')
    rows = lines_and_values(path)
    assert rows[0][2] is not None and "lone surrogate" in rows[0][2]
    assert rows[1] == (2, {"sku": "\U0001f600"}, None)


@pytest.mark.parametrize("name", ["feed.csv", "feed.tsv.gz"])
def test_invalid_utf8_in_a_delimited_feed_rejects_only_its_record(tmp_path: Path, name: str) -> None:
    sep = b"\t" if ".tsv" in name else b","
    data = b"sku" + sep + b"name\nA1" + sep + b"Mug\nA2" + sep + b'"Caf\xe9\nau lait"\nA3' + sep + b"Pot\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    rows = lines_and_values(path)
    assert rows[0] == (2, {"sku": "A1", "name": "Mug"}, None)
    assert rows[1] == (3, {}, "not UTF-8 text: byte 0xe9 after 'Caf'; save the feed as UTF-8")
    assert rows[2] == (5, {"sku": "A3", "name": "Pot"}, None)


def test_invalid_utf8_in_the_header_is_a_feed_error(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(b"sku,n\xe4me\nA1,Mug\n")
    with pytest.raises(FeedError, match="feed.csv:1: the header is not UTF-8 text: byte 0xe4"):
        list(read_feed(path))


def test_gzip_cut_off_keeps_the_rows_before_and_reports_where(tmp_path: Path) -> None:
    data = gzip.compress(("sku,name\n" + "".join(f"A{i},Item {i}\n" for i in range(3000))).encode())
    path = tmp_path / "feed.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    rows = list(read_feed(path))
    good = [row for row in rows if row.error is None]
    assert len(good) > 100 and [row.values["sku"] for row in good] == [f"A{i}" for i in range(len(good))]
    assert rows[-1].error is not None and rows[-1].error.startswith("the compressed file breaks off here")
    assert rows[-1].line == good[-1].line + 1 and len(rows) == len(good) + 1


def test_a_file_that_is_not_gzip_is_a_feed_error(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.jsonl.gz", '{"sku": "A1"}\n')
    with pytest.raises(FeedError, match="feed.jsonl.gz: cannot read the compressed file"):
        list(read_feed(path))


# --- Parquet ----------------------------------------------------------------------------------


def test_corrupt_parquet_row_group_is_one_error_and_the_others_go_in(tmp_path: Path) -> None:
    table = pa.table(
        {"sku": [f"A{i}" for i in range(30)], "name": [f"Item number {i} " * 4 for i in range(30)]}
    )
    path = tmp_path / "feed.parquet"
    pq.write_table(table, path, row_group_size=10, compression="snappy")
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)
    start = column.dictionary_page_offset or column.data_page_offset
    data = bytearray(path.read_bytes())
    for at in range(start + 20, start + column.total_compressed_size - 4):  # scramble its pages
        data[at] ^= 0x5A
    path.write_bytes(bytes(data))
    rows = list(read_feed(path))
    assert [row.values["sku"] for row in rows if row.error is None] == [
        f"A{i}" for i in (*range(10), *range(20, 30))
    ]
    errors = [(row.line, row.error) for row in rows if row.error is not None]
    assert len(errors) == 1 and errors[0][0] == 11
    assert errors[0][1].startswith("row group 2 cannot be read (") and errors[0][1].endswith(
        "rows 11-20 skipped"
    )
    assert [row.line for row in rows if row.error is None][-1] == 30


def test_invalid_utf8_in_a_parquet_text_column_rejects_only_its_row(tmp_path: Path) -> None:
    offsets = pa.py_buffer(bytes(memoryview(__import__("array").array("i", [0, 3, 7, 10]))))
    names = pa.Array.from_buffers(pa.string(), 3, [None, offsets, pa.py_buffer(b"MugCaf\xe9Pot")])
    path = tmp_path / "feed.parquet"
    pq.write_table(pa.table({"sku": ["A1", "A2", "A3"], "name": names}), path)
    rows = lines_and_values(path)
    assert rows == [
        (1, {"sku": "A1", "name": "Mug"}, None),
        (2, {}, "column 'name' is not UTF-8 text: byte 0xe9"),
        (3, {"sku": "A3", "name": "Pot"}, None),
    ]


def test_parquet_rows_are_numbered_from_one_and_keep_nested_values(tmp_path: Path) -> None:
    table = pa.table(
        {
            "sku": ["A1", "A2", "A3"],
            "price": [9.99, None, 12.0],
            "categories": [["Home", "Kitchen"], [], None],
            "attributes": [{"color": "red"}, {"color": None}, None],
        }
    )
    path = tmp_path / "feed.parquet"
    pq.write_table(table, path, row_group_size=2)
    rows = list(read_feed(path))
    assert [row.line for row in rows] == [1, 2, 3]
    assert rows[0].values == {
        "sku": "A1",
        "price": 9.99,
        "categories": ["Home", "Kitchen"],
        "attributes": {"color": "red"},
    }
    assert rows[1].values["price"] is None


def test_broken_parquet_is_a_feed_error(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.parquet", "not parquet")
    with pytest.raises(FeedError, match="not a readable Parquet file"):
        list(read_feed(path))


# --- FieldMapping -----------------------------------------------------------------------------


def test_mapping_from_pairs() -> None:
    mapping = FieldMapping.from_pairs(["product_id=sku", " title = name ", "attributes.Color=colour"])
    assert mapping.columns == {"product_id": "sku", "title": "name", "attributes.color": "colour"}


@pytest.mark.parametrize("pair", ["product_id", "=sku", "title=", "prise=cost"])
def test_mapping_rejects_bad_pairs(pair: str) -> None:
    with pytest.raises(ValueError):
        FieldMapping.from_pairs([pair])


def test_mapping_from_json_files(tmp_path: Path) -> None:
    flat = write(tmp_path / "flat.json", json.dumps({"product_id": "sku"}))
    nested = write(tmp_path / "nested.json", json.dumps({"columns": {"title": "nm"}, "use_defaults": False}))
    assert FieldMapping.from_json(flat) == FieldMapping(columns={"product_id": "sku"})
    assert FieldMapping.from_json(nested) == FieldMapping(columns={"title": "nm"}, use_defaults=False)
    with pytest.raises(ValueError):
        FieldMapping.from_json(write(tmp_path / "bad.json", "[1, 2]"))


def test_later_mapping_takes_precedence_when_merged() -> None:
    from_file = FieldMapping(columns={"product_id": "sku", "title": "name"})
    from_flags = FieldMapping.from_pairs(["title=headline"])
    assert from_file.merged_with(from_flags).columns == {"product_id": "sku", "title": "headline"}


def test_mapping_from_sources_lets_pairs_override_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "map.json", json.dumps({"product_id": "sku", "title": "name"}))
    mapping = FieldMapping.from_sources(pairs=["title=headline"], path=path)
    assert mapping == FieldMapping(columns={"product_id": "sku", "title": "headline"})
    assert FieldMapping.from_sources() == FieldMapping()


def test_explicit_pair_beats_field_name_which_beats_alias() -> None:
    columns = ["id", "sku", "title", "name", "Price", "qty", "extra"]
    resolved = resolve_columns(FieldMapping.from_pairs(["product_id=sku"]), columns)
    assert resolved.fields["product_id"] == "sku"  # explicit, though 'id' is an alias too
    assert resolved.fields["title"] == "title"  # the field's own name before the alias 'name'
    assert resolved.fields["price"] == "Price"  # case-insensitive
    assert resolved.fields["stock"] == "qty"
    assert resolved.ignored == ("id", "name", "extra")


def test_alias_order_picks_the_first_present() -> None:
    resolved = resolve_columns(FieldMapping(), ["sku", "id", "Product Name"])
    assert resolved.fields["product_id"] == "id"
    assert resolved.fields["title"] == "Product Name"
    assert resolved.ignored == ("sku",)


def test_attribute_columns_and_attribute_mapping() -> None:
    mapping = FieldMapping.from_pairs(["attributes.color=colour"])
    columns = ["sku", "name", "attr_Size", "attributes.material", "colour", "specs"]
    resolved = resolve_columns(mapping, columns)
    assert resolved.attribute_columns == {
        "colour": "color",
        "attr_Size": "size",
        "attributes.material": "material",
    }
    assert resolved.fields["attributes"] == "specs"
    assert resolved.ignored == ()


def test_without_defaults_only_explicit_columns_are_used() -> None:
    mapping = FieldMapping(columns={"product_id": "sku"}, use_defaults=False)
    resolved = resolve_columns(mapping, ["sku", "title", "price"])
    assert resolved.fields == {"product_id": "sku"}
    assert resolved.ignored == ("title", "price")


# --- value conversion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        (12.5, 12.5, None),
        (0, 0.0, None),
        ("12.5", 12.5, None),
        ("$1,299.00", 1299.0, "USD"),
        ("1,299", 1299.0, None),
        ("12,50", 12.5, None),
        ("1.299,00 €", 1299.0, "EUR"),
        ("49.99 USD", 49.99, "USD"),
        ("EUR 3", 3.0, "EUR"),
        (" £7 ", 7.0, "GBP"),
        ("1 299,00", 1299.0, None),
        ("1.5", 1.5, None),
    ],
)
def test_parse_price(raw: object, amount: float, currency: str | None) -> None:
    price = parse_price(raw)
    assert (price.amount, price.currency) == (amount, currency)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "'abc' is not a number"),
        ("N/A", "'N/A' is not a number"),
        ("1,2,3", "'1,2,3' is not a number"),
        ("12.5.3", "'12.5.3' is not a number"),
        ("-5", "'-5' is negative"),
        (-1.5, "'-1.5' is negative"),
        (True, "'true' is not a number"),
        (float("inf"), "'Infinity' is not a finite number"),
    ],
)
def test_parse_price_errors(raw: object, reason: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_price(raw)
    assert str(info.value) == reason


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (True, True), ("true", True), ("Yes", True), ("1", True), (1, True), ("in stock", True),
        ("In-Stock", True), ("false", False), ("no", False), ("0", False), (0, False),
        ("out of stock", False), ("OUT_OF_STOCK", False),
    ],
)  # fmt: skip
def test_parse_bool(raw: object, value: bool) -> None:
    assert parse_bool(raw) is value


@pytest.mark.parametrize("raw", ["maybe", 2, "10"])
def test_parse_bool_errors(raw: object) -> None:
    with pytest.raises(InvalidValue, match="is not a yes/no value"):
        parse_bool(raw)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("Home > Kitchen > Cookware", ("Home", "Kitchen", "Cookware")),
        ("Home>Kitchen", ("Home", "Kitchen")),
        ("Home/Kitchen/Cookware", ("Home", "Kitchen", "Cookware")),
        ("Home | Kitchen", ("Home", "Kitchen")),
        (["Home", " Kitchen "], ("Home", "Kitchen")),
        (["Home >> Kitchen >> Cookware"], ("Home", "Kitchen", "Cookware")),
        ('["Toys", "Puzzles"]', ("Toys", "Puzzles")),
        ("Books", ("Books",)),
    ],
)
def test_parse_category(raw: object, path: tuple[str, ...]) -> None:
    assert parse_category(raw) == path


@pytest.mark.parametrize(
    ("raw", "value"), [(4.5, 4.5), ("4", 4.0), ("4.5/5", 4.5), ("3.9 out of 5 stars", 3.9)]
)
def test_parse_rating(raw: object, value: float) -> None:
    assert parse_rating(raw) == value


@pytest.mark.parametrize(
    ("raw", "reason"), [("7.5", "'7.5' is outside the range 0 to 5"), ("good", "'good' is not a number")]
)
def test_parse_rating_errors(raw: object, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        parse_rating(raw)


@pytest.mark.parametrize(("raw", "value"), [(3, 3), ("12", 12), ("12.0", 12), (7.0, 7), ("1,200", 1200)])
def test_parse_count(raw: object, value: int) -> None:
    assert parse_count(raw) == value


@pytest.mark.parametrize(
    ("raw", "reason"), [("-1", "is negative"), ("2.5", "not a whole number"), ("lots", "not a whole number")]
)
def test_parse_count_errors(raw: object, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        parse_count(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ({"Color": "Red", "Screen Size": 55, "empty": ""}, {"color": "Red", "screen_size": "55"}),
        ('{"color": "red", "sizes": ["S", "M"]}', {"color": "red", "sizes": "S, M"}),
        ("color=red; size=M", {"color": "red", "size": "M"}),
        ("color: red | size: M", {"color": "red", "size": "M"}),
        ([("color", "red")], {"color": "red"}),
        ([{"name": "color", "value": "red"}], {"color": "red"}),
        ({"waterproof": True, "weight": 1.0}, {"waterproof": "true", "weight": "1"}),
    ],
)
def test_parse_attributes(raw: object, value: dict[str, str]) -> None:
    assert parse_attributes(raw) == value


@pytest.mark.parametrize("raw", ["{not json", "just words", 42])
def test_parse_attributes_errors(raw: object) -> None:
    with pytest.raises(InvalidValue):
        parse_attributes(raw)


# --- whole rows -------------------------------------------------------------------------------

COLUMNS = resolve_columns(
    FieldMapping(),
    ["sku", "name", "price", "currency", "stock", "in_stock", "rating", "category", "attr_color", "deleted"],
)


def convert(line: int, **values: object) -> tuple[Product | None, list[str]]:
    result = convert_row(RawRow(line, dict(values)), COLUMNS, "feed.csv")
    return result.product, [str(error) for error in result.errors]


def test_good_row_becomes_a_product() -> None:
    product, errors = convert(
        2, sku=" A1 ", name="Mug", price="$4.50", stock="0", category="Home > Kitchen", attr_color="Blue"
    )
    assert errors == []
    assert product is not None
    assert product.model_dump() == {
        "product_id": "A1",
        "title": "Mug",
        "description": "",
        "brand": "",
        "category": ("Home", "Kitchen"),
        "price": 4.5,
        "currency": "USD",
        "attributes": {"color": "Blue"},
        "attribute_sources": {},
        "in_stock": False,  # derived from stock 0
        "stock": 0,
        "rating": None,
        "image_url": "",
        "raw": {},
    }


def test_explicit_in_stock_wins_over_stock() -> None:
    product, _ = convert(2, sku="A1", name="Mug", stock="0", in_stock="yes")
    assert product is not None and product.in_stock is True


def convert_strict(line: int, **values: object) -> tuple[Product | None, list[str]]:
    result = convert_row(RawRow(line, dict(values)), COLUMNS, "feed.csv", strict=True)
    return result.product, [str(error) for error in result.errors]


def test_bad_optional_fields_are_left_out_with_a_warning_each() -> None:
    result = convert_row(
        RawRow(
            17,
            {"sku": "A1", "name": "Mug", "price": "abc", "rating": "9", "stock": "-2", "attr_color": "Red"},
        ),
        COLUMNS,
        "feed.csv",
    )
    assert result.errors == () and result.product is not None
    assert (result.product.price, result.product.stock, result.product.rating) == (None, None, None)
    assert result.product.attributes == {"color": "Red"}
    assert [str(w) for w in result.warnings] == [
        "feed.csv:17: field 'price': 'abc' is not a number",
        "feed.csv:17: field 'stock': '-2' is negative",
        "feed.csv:17: field 'rating': '9' is outside the range 0 to 5",
    ]
    assert (result.warnings[0].line, result.warnings[0].field, result.warnings[0].column) == (
        17,
        "price",
        "price",
    )


def test_strict_rejects_a_row_with_any_bad_field() -> None:
    product, errors = convert_strict(17, sku="A1", name="Mug", price="abc", rating="9", stock="-2")
    assert product is None
    assert errors == [
        "feed.csv:17: field 'price': 'abc' is not a number",
        "feed.csv:17: field 'stock': '-2' is negative",
        "feed.csv:17: field 'rating': '9' is outside the range 0 to 5",
    ]


def test_a_rejected_row_lists_its_optional_problems_too() -> None:
    _, errors = convert(5, sku="A1", name="", price="abc")
    assert errors == [
        "feed.csv:5: title (column name) is empty or missing",
        "feed.csv:5: field 'price': 'abc' is not a number",
    ]


def test_required_fields() -> None:
    assert convert(3, sku="", name="Mug")[1] == ["feed.csv:3: product_id (column sku) is empty or missing"]
    assert convert(4, sku="A1")[1] == ["feed.csv:4: title (column name) is empty or missing"]
    assert convert(5, sku="A1", name="<span></span>")[1] == [
        "feed.csv:5: title (column name) is empty once HTML is removed"
    ]


def test_missing_id_names_the_mapped_column_even_when_the_row_lacks_it() -> None:
    mapping = FieldMapping.from_pairs(["product_id=sku"])
    columns = resolve_columns(mapping, ["title", "price"])  # a JSON line without "sku"
    result = convert_row(RawRow(12, {"title": "Mug", "price": 3}), columns, "feed.jsonl")
    assert [str(e) for e in result.errors] == ["feed.jsonl:12: product_id (column sku) is empty or missing"]
    unmapped = resolve_columns(FieldMapping(), ["title"])
    result = convert_row(RawRow(13, {"title": "Mug"}), unmapped, "feed.jsonl")
    assert [str(e) for e in result.errors] == [
        "feed.jsonl:13: product_id is missing: this row has no column product_id or id or sku or item_id"
    ]


def test_row_error_records_product_id_and_column() -> None:
    result = convert_row(
        RawRow(5, {"sku": "A1", "name": "Mug", "price": "x"}), COLUMNS, "feed.csv", strict=True
    )
    assert result.errors == (
        RowError(
            file="feed.csv",
            line=5,
            field="price",
            reason="'x' is not a number",
            product_id="A1",
            column="price",
        ),
    )


def test_record_validation_errors() -> None:
    product, errors = convert(6, sku="A1", name="Mug", currency="dollars", price="3")
    assert errors == [] and product is not None and product.currency == "USD"  # left out: the default
    _, errors = convert_strict(6, sku="A1", name="Mug", currency="dollars")
    assert errors == ["feed.csv:6: field 'currency': 'DOLLARS' is not a 3-letter currency code"]
    _, errors = convert(7, sku="x" * 300, name="Mug")
    assert errors == ["feed.csv:7: field 'product_id': string should have at most 256 characters"]


def test_price_currency_must_agree_with_the_currency_column() -> None:
    result = convert_row(
        RawRow(8, {"sku": "A1", "name": "Mug", "price": "3 EUR", "currency": "USD"}), COLUMNS, "f.csv"
    )
    assert result.product is not None and result.product.price is None
    assert [str(w) for w in result.warnings] == ["f.csv:8: price is in EUR but the currency column says USD"]
    _, errors = convert_strict(8, sku="A1", name="Mug", price="3 EUR", currency="USD")
    assert errors == ["feed.csv:8: price is in EUR but the currency column says USD"]
    product, _ = convert(9, sku="A1", name="Mug", price="3 EUR")
    assert product is not None and product.currency == "EUR"


def test_text_fields_are_cleaned_of_html() -> None:
    columns = resolve_columns(
        FieldMapping(), ["asin", "title", "brand", "category", "description", "attributes"]
    )
    row = RawRow(
        3,
        {
            "asin": "B1",
            "title": " Dave &amp; Buster&#39;s <b>Gift</b> Card\n",
            "brand": "by\n    \n    iTunes",
            "category": ["Gift Cards", "Gift Cards", "</span></span></span>"],
            "description": ["<p>Good at <i>any</i> location.</p>", "Never expires."],
            "attributes": {"Card&nbsp;Type": " <span>Plastic</span> "},
        },
    )
    product = convert_row(row, columns, "meta.jsonl").product
    assert product is not None
    assert product.title == "Dave & Buster's Gift Card"
    assert product.brand == "iTunes"
    assert product.category == ("Gift Cards", "Gift Cards")
    assert product.description == "Good at any location. Never expires."
    assert product.attributes == {"card_type": "Plastic"}
    assert product.raw == {"description": "<p>Good at <i>any</i> location.</p> Never expires."}
    plain = convert_row(
        RawRow(4, {"asin": "B2", "title": "Mug", "brand": "By Terry", "description": "A & B"}), columns, "m"
    )
    assert plain.product is not None and plain.product.brand == "By Terry" and plain.product.raw == {}


def test_delete_rows_need_only_the_id() -> None:
    result = convert_row(RawRow(2, {"sku": "A1", "deleted": "yes"}), COLUMNS, "feed.csv")
    assert (result.delete, result.product_id, result.errors) == (True, "A1", ())
    result = convert_row(RawRow(3, {"sku": "A1", "deleted": "perhaps", "name": "Mug"}), COLUMNS, "feed.csv")
    assert [str(e) for e in result.errors] == ["feed.csv:3: field 'deleted': 'perhaps' is not a yes/no value"]


def test_unreadable_row_is_one_row_level_error() -> None:
    result = convert_row(RawRow(4, {}, "malformed JSON: x"), COLUMNS, "feed.jsonl")
    assert [str(e) for e in result.errors] == ["feed.jsonl:4: malformed JSON: x"]
