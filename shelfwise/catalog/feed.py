"""Feed readers (CSV, TSV, JSONL, Parquet; gzip for the text ones) and the field mapping.

Readers stream `RawRow`s and never hold a whole file. `FieldMapping` says which shop column feeds
which Shelfwise field; `resolve_columns` applies it (explicit pairs, then field names, then common
aliases, then `attr_*` columns) to the columns a feed actually has.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

FeedFormat = Literal["csv", "tsv", "jsonl", "parquet"]

PRODUCT_FIELDS: tuple[str, ...] = (
    "product_id",
    "title",
    "description",
    "brand",
    "category",
    "price",
    "currency",
    "attributes",
    "in_stock",
    "stock",
    "rating",
    "image_url",
)
DELETE_FIELD = "deleted"
MAPPABLE_FIELDS: tuple[str, ...] = (*PRODUCT_FIELDS, DELETE_FIELD)
ATTRIBUTE_PREFIX = "attributes."

# Column names (normalized: lower case, spaces and dashes as underscores) tried in this order when
# no explicit mapping names a column for the field. The field's own name always comes first.
ALIASES: dict[str, tuple[str, ...]] = {
    "product_id": ("id", "sku", "item_id", "asin", "parent_asin", "productid", "offer_id"),
    "title": ("name", "product_name", "product_title", "item_name", "item_title"),
    "description": ("desc", "product_description", "long_description", "body_html", "body"),
    "brand": ("brand_name", "manufacturer", "vendor", "make"),
    "category": (
        "category_path",
        "categories",
        "product_category",
        "product_type",
        "product_category_tree",
        "department",
    ),
    "price": ("unit_price", "list_price", "regular_price", "retail_price", "price_usd", "cost"),
    "currency": ("currency_code", "price_currency"),
    "attributes": ("attrs", "specs", "specifications", "properties"),
    "in_stock": ("instock", "availability", "available", "is_available", "in_stock_flag"),
    "stock": (
        "quantity",
        "qty",
        "inventory",
        "stock_quantity",
        "stock_level",
        "inventory_quantity",
        "quantity_available",
    ),
    "rating": ("average_rating", "avg_rating", "stars", "review_rating", "product_rating"),
    "image_url": ("image", "image_link", "imageurl", "img", "img_url", "thumbnail", "main_image"),
    "deleted": ("_delete", "_deleted", "delete", "is_deleted"),
}

_EXTENSIONS: dict[str, FeedFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_ATTRIBUTE_COLUMN = re.compile(r"^(?:attr_|attr\.|attr:|attributes\.|attributes_)(.+)$", re.I)


class FeedError(ValueError):
    """The feed as a whole cannot be read: unknown format, broken file, unusable header."""


@dataclass(frozen=True)
class RawRow:
    """One record of a feed before conversion; `error` is set when the record could not be parsed.

    `line` is 1-based: the physical line where the record starts for CSV/TSV/JSONL (the CSV header
    is line 1), the row number for Parquet.
    """

    line: int
    values: dict[str, object] = field(default_factory=dict)
    error: str | None = None


def detect_format(path: str | Path) -> FeedFormat:
    """The feed format from the file name: .csv, .tsv/.tab, .jsonl/.ndjson, .parquet (+ .gz)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
        if suffixes and _EXTENSIONS.get(suffixes[-1]) == "parquet":
            raise FeedError(f"{Path(path).name}: gzip-compressed Parquet is not supported")
    fmt = _EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        known = ", ".join(sorted(_EXTENSIONS))
        raise FeedError(f"{Path(path).name}: unknown feed format; use one of {known} (or .gz)")
    return fmt


def read_feed(path: str | Path, fmt: FeedFormat | None = None) -> Iterator[RawRow]:
    """Stream the rows of a feed file; the format comes from the extension unless given."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if not path.is_file():
        raise FeedError(f"{path}: no such file")
    if fmt == "parquet":
        return _read_parquet(path)
    if fmt == "jsonl":
        return _read_jsonl(path)
    return _read_delimited(path, "\t" if fmt == "tsv" else ",")


class _BrokenStream(Exception):
    """A compressed file breaks off at `line`: the lines before it were read, none after."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _text_lines(path: Path) -> Iterator[str]:
    """The file's lines (with their line endings), decoded one by one.

    Bytes that are not UTF-8 are kept as surrogate escapes (`bad_utf8` finds them) so that only
    the records holding them are rejected. A gzip file that breaks off part way raises
    _BrokenStream after its readable lines; one that is not gzip at all is a FeedError.
    """
    number = 0
    try:
        with gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):  # noqa: B007 - read on error
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8", errors="surrogateescape")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        if number == 0:
            raise FeedError(f"{path.name}: cannot read the compressed file: {exc}") from None
        reason = f"the compressed file breaks off here ({exc}); nothing after this point was read"
        raise _BrokenStream(number + 1, reason) from None


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_JSON_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def bad_utf8(text: str) -> str | None:
    """Why `text` (decoded with surrogate escapes) is not UTF-8 text, or None when it is."""
    match = _ESCAPED_BYTE.search(text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    before = _ESCAPED_BYTE.sub("?", text[max(0, match.start() - 20) : match.start()]).lstrip()
    where = f"after '{' '.join(before.split())}'" if before.strip() else "at the start"
    return f"not UTF-8 text: byte 0x{byte:02x} {where}; save the feed as UTF-8"


def _header(cells: list[str], path: Path, line: int) -> list[str]:
    names = [cell.strip() or f"column_{i}" for i, cell in enumerate(cells, start=1)]
    seen: set[str] = set()
    for name in names:
        if (reason := bad_utf8(name)) is not None:
            raise FeedError(f"{path.name}:{line}: the header is {reason}")
        if name in seen:
            raise FeedError(f"{path.name}:{line}: column '{name}' appears twice in the header")
        seen.add(name)
    return names


def _read_delimited(path: Path, delimiter: str) -> Iterator[RawRow]:
    reader = csv.reader(_text_lines(path), delimiter=delimiter, strict=True)
    kind = "TSV" if delimiter == "\t" else "CSV"
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _BrokenStream as exc:
            yield RawRow(exc.line, {}, exc.reason)
            return
        except csv.Error as exc:  # the reader resumes on the next line
            if header is None or reader.line_num < start:
                raise FeedError(f"{path.name}:{start}: cannot read the file: {exc}") from exc
            yield RawRow(start, {}, f"malformed {kind}: {exc}")
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = _header(cells, path, start)
        else:
            yield _delimited_row(start, header, cells)


def _delimited_row(line: int, header: list[str], cells: list[str]) -> RawRow:
    if len(cells) > len(header):
        return RawRow(line, {}, f"row has {len(cells)} fields but the header has {len(header)}")
    for cell in cells:
        if (reason := bad_utf8(cell)) is not None:
            return RawRow(line, {}, reason)
    return RawRow(line, dict(zip(header, cells, strict=False)))


def _read_jsonl(path: Path) -> Iterator[RawRow]:
    lines = enumerate(_text_lines(path), start=1)
    while True:
        try:
            number, text = next(lines)
        except StopIteration:
            return
        except _BrokenStream as exc:
            yield RawRow(exc.line, {}, exc.reason)
            return
        if text.strip():
            yield _json_row(number, text)


def _json_row(number: int, text: str) -> RawRow:
    if (reason := bad_utf8(text)) is not None:
        return RawRow(number, {}, reason)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return RawRow(number, {}, f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(value, dict):
        return RawRow(number, {}, f"expected a JSON object, got {type(value).__name__}")
    if _JSON_SURROGATE.search(text) and _lone_surrogate(value):
        return RawRow(number, {}, "a \\u escape stands for half a character (a lone surrogate)")
    return RawRow(number, value)


def _lone_surrogate(value: object) -> bool:
    """Whether a parsed JSON value holds text that cannot be written as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_parquet(path: Path) -> Iterator[RawRow]:
    """Rows numbered from 1. Parquet stores rows in row groups, each compressed and checked on
    its own: a row group that cannot be read is one error (its rows are skipped, the others go
    in); a text cell that is not UTF-8 rejects only its row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise FeedError(f"{path.name}: not a readable Parquet file: {exc}") from exc
    with parquet:
        first = 1
        for group in range(parquet.num_row_groups):
            size = parquet.metadata.row_group(group).num_rows
            yield from _row_group(parquet, group, first, size)
            first += size


def _row_group(parquet: pq.ParquetFile, group: int, first: int, size: int) -> Iterator[RawRow]:
    import pyarrow as pa

    line = first
    try:
        for batch in parquet.iter_batches(batch_size=1024, row_groups=[group]):
            for values, error in _batch_rows(batch):
                yield RawRow(line, values, error)
                line += 1
    except (pa.ArrowException, OSError) as exc:
        last = first + size - 1
        skipped = f"row {line}" if line == last else f"rows {line}-{last}"
        reason = f"row group {group + 1} cannot be read ({exc}); {skipped} skipped"
        yield RawRow(line, {}, reason)


def _batch_rows(batch: pa.RecordBatch) -> Iterator[tuple[dict[str, object], str | None]]:
    try:
        rows = batch.to_pylist()
    except UnicodeDecodeError:  # Arrow does not check text on reading: find the bad rows
        for i in range(batch.num_rows):
            yield _checked_row(batch.slice(i, 1))
        return
    for row in rows:
        yield row, None


def _checked_row(row: pa.RecordBatch) -> tuple[dict[str, object], str | None]:
    try:
        return row.to_pylist()[0], None
    except UnicodeDecodeError:
        for name, column in zip(row.schema.names, row.columns, strict=True):
            try:
                column.to_pylist()
            except UnicodeDecodeError as exc:
                byte = exc.object[exc.start] if exc.start < len(exc.object) else 0
                return {}, f"column '{name}' is not UTF-8 text: byte 0x{byte:02x}"
        return {}, "not UTF-8 text"


def normalize_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def attribute_name(name: str) -> str:
    """Attribute keys are lower case with underscores: 'Screen Size' -> 'screen_size'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


class FieldMapping(BaseModel):
    """Which shop column feeds which Shelfwise field.

    `columns` maps a field (one of MAPPABLE_FIELDS, or `attributes.<name>`) to a column name.
    With `use_defaults`, fields not named here are found by their own name or a common alias.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, str] = Field(default_factory=dict)
    use_defaults: bool = True

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for name, column in value.items():
            key = name.strip()
            if key.startswith(ATTRIBUTE_PREFIX) and attribute_name(key[len(ATTRIBUTE_PREFIX) :]):
                key = ATTRIBUTE_PREFIX + attribute_name(key[len(ATTRIBUTE_PREFIX) :])
            elif key not in MAPPABLE_FIELDS:
                known = ", ".join(MAPPABLE_FIELDS)
                raise ValueError(f"unknown field '{name}'; use one of {known} or attributes.<name>")
            if not column.strip():
                raise ValueError(f"field '{name}' is mapped to an empty column name")
            clean[key] = column.strip()
        return clean

    @classmethod
    def from_pairs(cls, pairs: Iterable[str], use_defaults: bool = True) -> FieldMapping:
        """From `field=column` strings, as given on the command line (`--map title=name`)."""
        columns: dict[str, str] = {}
        for pair in pairs:
            name, sep, column = pair.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise ValueError(f"mapping '{pair}' is not of the form field=column")
            columns[name.strip()] = column.strip()
        return cls(columns=columns, use_defaults=use_defaults)

    @classmethod
    def from_json(cls, path: str | Path) -> FieldMapping:
        """From a JSON file: `{"title": "name", ...}` or `{"columns": {...}, "use_defaults": b}`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            return cls.model_validate(data)
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{path}: expected a JSON object of field -> column name")
        return cls(columns=data)

    @classmethod
    def from_sources(
        cls, pairs: Iterable[str] = (), path: str | Path | None = None, use_defaults: bool = True
    ) -> FieldMapping:
        """A JSON mapping file (if any) overridden by `field=column` pairs (CLI: --mapping, --map)."""
        base = cls(use_defaults=use_defaults) if path is None else cls.from_json(path)
        return base.merged_with(cls.from_pairs(pairs, use_defaults=use_defaults))

    def merged_with(self, other: FieldMapping) -> FieldMapping:
        """This mapping with `other`'s pairs taking precedence (a JSON file, then --map flags)."""
        return FieldMapping(
            columns={**self.columns, **other.columns},
            use_defaults=self.use_defaults and other.use_defaults,
        )


def read_mapping(pairs: Iterable[str] = (), path: str | Path | None = None) -> FieldMapping:
    """The mapping of a JSON file and `field=column` pairs (CLI: --mapping, --map); a FeedError
    of one line when it cannot be used (a pair without '=', an unknown field, a broken file)."""
    try:
        return FieldMapping.from_sources(pairs=pairs, path=path)
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise FeedError(f"bad mapping: {reasons}") from None
    except (ValueError, OSError) as exc:
        where = f"{path}: " if path is not None and isinstance(exc, ValueError) else ""
        raise FeedError(f"bad mapping: {where}{exc}") from None


@dataclass(frozen=True)
class ResolvedColumns:
    """A mapping applied to one feed's columns."""

    fields: dict[str, str]
    attribute_columns: dict[str, str]
    ignored: tuple[str, ...]
    mapped: dict[str, str] = field(default_factory=dict)
    """field -> the column the mapping names for it, whether or not this row has that column"""

    def column_for(self, name: str) -> str | None:
        return self.fields.get(name)


def resolve_columns(mapping: FieldMapping, columns: Sequence[str]) -> ResolvedColumns:
    """Apply a mapping: explicit pairs, then field names and aliases, then attribute columns."""
    by_name = {c: c for c in columns}
    by_normal: dict[str, str] = {}
    for column in columns:
        by_normal.setdefault(normalize_column(column), column)
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for name, wanted in mapping.columns.items():
        actual = by_name.get(wanted) or by_normal.get(normalize_column(wanted))
        if actual is None:
            continue
        if name.startswith(ATTRIBUTE_PREFIX):
            attributes[actual] = name[len(ATTRIBUTE_PREFIX) :]
        else:
            fields[name] = actual
    used = set(fields.values()) | set(attributes)
    if mapping.use_defaults:
        for name in MAPPABLE_FIELDS:
            if name in fields:
                continue
            for alias in (name, *ALIASES.get(name, ())):
                actual = by_normal.get(alias)
                if actual is not None and actual not in used:
                    fields[name] = actual
                    used.add(actual)
                    break
    for column in columns:
        match = _ATTRIBUTE_COLUMN.match(column.strip())
        if column not in used and match and attribute_name(match.group(1)):
            attributes[column] = attribute_name(match.group(1))
            used.add(column)
    ignored = tuple(c for c in columns if c not in used)
    mapped = {name: column for name, column in mapping.columns.items() if name in MAPPABLE_FIELDS}
    return ResolvedColumns(fields=fields, attribute_columns=attributes, ignored=ignored, mapped=mapped)


class ColumnResolver:
    """Resolves the columns of each row, caching by column set (JSONL rows may differ), and
    remembers which columns were seen, which were used and which fields were found."""

    def __init__(self, mapping: FieldMapping, max_cached: int = 256) -> None:
        self.mapping = mapping
        self._cache: dict[tuple[str, ...], ResolvedColumns] = {}
        self._max_cached = max_cached
        self._seen: dict[str, None] = {}
        self._used: set[str] = set()
        self._fields: set[str] = set()

    def resolve(self, row: RawRow) -> ResolvedColumns:
        key = tuple(row.values)
        resolved = self._cache.get(key)
        if resolved is None:
            resolved = resolve_columns(self.mapping, key)
            if len(self._cache) >= self._max_cached:
                self._cache.clear()
            self._cache[key] = resolved
            self._seen.update(dict.fromkeys(key))
            self._used.update(resolved.fields.values(), resolved.attribute_columns)
            self._fields.update(resolved.fields)
        return resolved

    @property
    def seen_columns(self) -> list[str]:
        """Every column seen so far, in order of appearance."""
        return list(self._seen)

    @property
    def ignored_columns(self) -> list[str]:
        """Columns seen but never mapped to a field or an attribute."""
        return [column for column in self._seen if column not in self._used]

    @property
    def found_fields(self) -> set[str]:
        """Fields that some row had a column for."""
        return set(self._fields)
