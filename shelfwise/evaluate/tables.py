"""Reading the benchmark's plain TSV inputs: products, queries, and any header-led table.

The files are plain TSV, not CSV: one record a line, fields split on TAB, no quoting and no
escapes. Quote characters are ordinary text (a title such as `Pipe 1/2 in. x 10 ft. "Pro"` is
kept verbatim), so a field can never contain a TAB or a newline. A UTF-8 byte-order mark and
Windows line endings are tolerated; empty lines are skipped.

Every reader takes a column mapping, `{canonical name: name in this file's header}`, for shops
whose files use other column names, e.g. `{"product_id": "sku", "title": "name"}`. Every
error names the file and line (`products.tsv:17: ...`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from shelfwise.records import Product

__all__ = [
    "PRODUCT_COLUMNS",
    "QUERY_COLUMNS",
    "FormatError",
    "ProductRow",
    "QueryRow",
    "TsvRow",
    "file_digest",
    "iter_tsv",
    "product_from_row",
    "read_products_tsv",
    "read_queries_tsv",
]

PRODUCT_COLUMNS = ("product_id", "title")
QUERY_COLUMNS = ("query_id", "query")


class FormatError(ValueError):
    """A malformed input file; the message reads `path:line: reason`."""

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TsvRow:
    """One data line of a TSV file, its fields keyed by canonical column name."""

    line: int
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ProductRow:
    """A product as a benchmark file gives it: id, title, further columns by header name."""

    product_id: str
    title: str
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class QueryRow:
    query_id: str
    query: str


def _resolve_columns(
    path: Path,
    header: Sequence[str],
    required: Sequence[str],
    columns: Mapping[str, str] | None,
) -> dict[str, int]:
    """Map each canonical column name to its index in the header (required ones must exist)."""
    mapping = dict(columns or {})
    unknown = sorted(set(mapping) - set(required))
    if unknown:
        raise ValueError(
            f"unknown column name(s) in mapping: {', '.join(unknown)}; "
            f"expected some of: {', '.join(required)}"
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in seen:
            raise FormatError(path, 1, f"column '{name}' appears twice in the header")
        seen[name] = index
    resolved: dict[str, int] = {}
    for canonical in required:
        actual = mapping.get(canonical, canonical)
        if actual not in seen:
            via = f" (mapped from '{canonical}')" if actual != canonical else ""
            raise FormatError(path, 1, f"missing column '{actual}'{via}; header has: {', '.join(header)}")
        resolved[canonical] = seen[actual]
    return resolved


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers, line endings removed, BOM dropped."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip("\n").rstrip("\r")
            if text:
                yield number, text


def iter_tsv(
    path: str | Path,
    required: Sequence[str],
    columns: Mapping[str, str] | None = None,
    *,
    keep_extra: bool = False,
) -> Iterator[TsvRow]:
    """Yield the rows of a header-led TSV file.

    `required` are the canonical column names the caller needs; `columns` maps canonical names
    to the file's own header names. A row must have exactly as many fields as the header. With
    `keep_extra`, columns that are not required come along under their header names.
    """
    path = Path(path)
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise FormatError(path, 1, "empty file: expected a header line")
    _, header_text = first
    header = [name.strip() for name in header_text.split("\t")]
    index = _resolve_columns(path, header, required, columns)
    used = set(index.values())
    extra_index = {name: i for i, name in enumerate(header) if i not in used} if keep_extra else {}
    for number, text in lines:
        values = text.split("\t")
        if len(values) != len(header):
            raise FormatError(
                path,
                number,
                f"expected {len(header)} tab-separated fields ({', '.join(header)}), found {len(values)}",
            )
        row = {canonical: values[i].strip() for canonical, i in index.items()}
        row.update((name, values[i].strip()) for name, i in extra_index.items())
        yield TsvRow(line=number, fields=row)


def _require_id(path: Path, row: TsvRow, name: str, first_seen: dict[str, int]) -> str:
    value = row.fields[name]
    if not value:
        raise FormatError(path, row.line, f"empty {name}")
    if value in first_seen:
        raise FormatError(path, row.line, f"duplicate {name} '{value}' (first at line {first_seen[value]})")
    first_seen[value] = row.line
    return value


def read_products_tsv(path: str | Path, columns: Mapping[str, str] | None = None) -> list[ProductRow]:
    """Products in file order. Needs `product_id` and `title`; other columns go to `extra`.

    Ids must be non-empty and unique; an empty title is an error (nothing to search on).
    """
    path = Path(path)
    products: list[ProductRow] = []
    first_seen: dict[str, int] = {}
    for row in iter_tsv(path, PRODUCT_COLUMNS, columns, keep_extra=True):
        product_id = _require_id(path, row, "product_id", first_seen)
        title = row.fields["title"]
        if not title:
            raise FormatError(path, row.line, f"empty title for product '{product_id}'")
        extra = {k: v for k, v in row.fields.items() if k not in PRODUCT_COLUMNS}
        products.append(ProductRow(product_id, title, MappingProxyType(extra)))
    return products


def read_queries_tsv(path: str | Path, columns: Mapping[str, str] | None = None) -> list[QueryRow]:
    """Queries in file order. Needs `query_id` and `query`; other columns are ignored.

    Ids must be non-empty and unique. An empty query text is kept (as ``""``): it is a real
    input that a search system must answer, usually with nothing.
    """
    path = Path(path)
    queries: list[QueryRow] = []
    first_seen: dict[str, int] = {}
    for row in iter_tsv(path, QUERY_COLUMNS, columns):
        query_id = _require_id(path, row, "query_id", first_seen)
        queries.append(QueryRow(query_id, row.fields["query"]))
    return queries


def file_digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256: names a data file's version."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def product_from_row(row: ProductRow) -> Product:
    """A catalog product from a products-TSV row (description, brand and `a > b` category columns)."""
    extra = dict(row.extra)
    category = tuple(p.strip() for p in extra.get("category", "").split(">") if p.strip())
    return Product(
        product_id=row.product_id,
        title=row.title,
        description=extra.get("description", ""),
        brand=extra.get("brand", ""),
        category=category,
    )
