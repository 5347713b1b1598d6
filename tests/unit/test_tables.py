"""Benchmark TSV inputs: plain TSV (quotes are text), column mappings, errors that name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.evaluate import FormatError, ProductRow, QueryRow, read_products_tsv, read_queries_tsv

HOMEDEPOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "homedepot"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_quotes_are_ordinary_text(tmp_path: Path) -> None:
    # Unbalanced and leading quotes would make a CSV reader merge lines or drop characters.
    titles = [
        'Charlotte Pipe 1/2 in. x 10 ft. PVC Sch. 40 "Plain-End" Pipe',
        '"Leading quote 3/4 in. x 2 ft.',
        "36 in. W x 84 in. H 6' Door",
        'trailing inch mark 12"',
    ]
    text = "product_id\ttitle\n" + "".join(f"p{i}\t{t}\n" for i, t in enumerate(titles))
    products = read_products_tsv(_write(tmp_path / "p.tsv", text))
    assert [p.title for p in products] == titles
    assert [p.product_id for p in products] == ["p0", "p1", "p2", "p3"]


def test_extra_columns_and_a_column_mapping(tmp_path: Path) -> None:
    text = "sku\tbrand\tname\tcategory\nA-1\tBEHR\tDeckOver 1-gal.\tPaint > Exterior\n"
    products = read_products_tsv(_write(tmp_path / "p.tsv", text), {"product_id": "sku", "title": "name"})
    assert products == [
        ProductRow("A-1", "DeckOver 1-gal.", {"brand": "BEHR", "category": "Paint > Exterior"})
    ]
    with pytest.raises(TypeError):
        products[0].extra["brand"] = "x"  # type: ignore[index]


def test_bom_crlf_blank_lines_and_surrounding_spaces(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_bytes(b"\xef\xbb\xbfquery_id\tquery\r\nq1\t rain shower head \r\n\r\nq2\t\r\n")
    assert read_queries_tsv(path) == [QueryRow("q1", "rain shower head"), QueryRow("q2", "")]


def test_queries_with_a_mapping_ignore_other_columns(tmp_path: Path) -> None:
    text = "id\tlocale\ttext\n7\ten\tl bracket\n"
    rows = read_queries_tsv(_write(tmp_path / "q.tsv", text), {"query_id": "id", "query": "text"})
    assert rows == [QueryRow("7", "l bracket")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("product_id\tname\np1\tx\n", r"p\.tsv:1: missing column 'title'; header has: product_id, name"),
        ("product_id\ttitle\np1\tx\tstray\n", r"p\.tsv:2: expected 2 tab-separated fields"),
        (
            "product_id\ttitle\np1\tx\np2\ty\np1\tz\n",
            r"p\.tsv:4: duplicate product_id 'p1' \(first at line 2\)",
        ),
        ("product_id\ttitle\n\tx\n", r"p\.tsv:2: empty product_id"),
        ("product_id\ttitle\np1\t \n", r"p\.tsv:2: empty title for product 'p1'"),
        ("product_id\ttitle\ttitle\np1\tx\ty\n", r"p\.tsv:1: column 'title' appears twice"),
        ("", r"p\.tsv:1: empty file"),
    ],
)
def test_product_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        read_products_tsv(_write(tmp_path / "p.tsv", text))


def test_mapped_column_missing_says_which_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.tsv", "query_id\tquery\nq1\tx\n")
    with pytest.raises(FormatError, match=r"missing column 'text' \(mapped from 'query'\)"):
        read_queries_tsv(path, {"query": "text"})
    with pytest.raises(ValueError, match="unknown column name"):
        read_queries_tsv(path, {"title": "query"})


def test_duplicate_query_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.tsv", "query_id\tquery\nq1\ta\nq1\tb\n")
    with pytest.raises(FormatError, match=r"q\.tsv:3: duplicate query_id 'q1' \(first at line 2\)"):
        read_queries_tsv(path)


@pytest.mark.skipif(not HOMEDEPOT.is_dir(), reason="shared Home Depot data not present")
def test_home_depot_files_parse_completely() -> None:
    products = read_products_tsv(HOMEDEPOT / "products.tsv")
    assert len(products) == 54_667
    assert products[0] == ProductRow("100001", "Simpson Strong-Tie 12-Gauge Angle", {})
    assert all(p.title for p in products)
    assert len(read_queries_tsv(HOMEDEPOT / "test_queries.tsv")) == 5_844
