"""Feed ingestion: stream a feed into a Store in batches and report what happened.

`ingest_feed` reads the file twice: a first pass only finds each product id's last row (the later
row wins; earlier ones are reported as warnings) and checks the columns before anything is written;
the second converts and upserts batch by batch. Neither pass holds more than one batch of rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.catalog.convert import RowError, convert_row, row_product_id
from shelfwise.catalog.feed import (
    ColumnResolver,
    FeedError,
    FeedFormat,
    FieldMapping,
    detect_format,
    normalize_column,
    read_feed,
)
from shelfwise.progress import StageProgress
from shelfwise.records import Product
from shelfwise.store.base import Store, UpsertOutcome

if TYPE_CHECKING:
    from shelfwise.catalog.extract import AttributeExtractor

LAST_REPORT_KEY = "ingest:last"


class IngestReport(BaseModel):
    """What one ingestion did. rows_read = accepted + rejected + delete_rows + duplicate_rows;
    accepted = inserted + updated + unchanged; `warned` of the accepted rows lost a bad optional
    field, each listed in `field_warnings` (file, line, field, reason)."""

    model_config = ConfigDict(frozen=True)

    file: str
    format: str = ""
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = Field(default=0, description="products removed from the store")
    delete_rows: int = Field(default=0, description="rows that asked for a deletion")
    duplicate_rows: int = Field(default=0, description="earlier rows replaced by a later one")
    errors: list[RowError] = Field(default_factory=list)
    errors_omitted: int = Field(default=0, description="errors beyond max_errors, not listed")
    warned: int = Field(default=0, description="accepted rows stored without a bad optional field")
    field_warnings: list[RowError] = Field(
        default_factory=list, description="each optional field left out of an accepted row, and why"
    )
    field_warnings_omitted: int = Field(default=0, description="field warnings beyond max_errors")
    warnings: list[str] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    finished_at: str = ""


@dataclass
class _Tally:
    """Mutable counters of one ingestion run (private to this module)."""

    max_errors: int
    max_warnings: int = 100
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    field_warnings: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    warnings_omitted: int = 0
    missing_deletes: list[str] = field(default_factory=list)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def error(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            if len(self.errors) < self.max_errors:
                self.errors.append(error)
            else:
                self.add("errors_omitted")

    def field_warning(self, warnings: Iterable[RowError]) -> None:
        for warning in warnings:
            if len(self.field_warnings) < self.max_errors:
                self.field_warnings.append(warning)
            else:
                self.add("field_warnings_omitted")

    def warn(self, message: str) -> None:
        if len(self.warnings) < self.max_warnings:
            self.warnings.append(message)
        else:
            self.warnings_omitted += 1

    def upsert(
        self, store: Store, products: Sequence[Product], extractor: AttributeExtractor | None = None
    ) -> None:
        if not products:
            return
        if extractor is not None:  # fills only attributes the feed left out, recording their source
            products = extractor.apply_many(products)
        for outcome in store.upsert(products):
            self.add(outcome.value)
        self.add("accepted", len(products))

    def delete(self, store: Store, product_ids: Sequence[str]) -> None:
        if not product_ids:
            return
        gone = set(store.delete(product_ids))
        self.add("deleted", len(gone))
        self.missing_deletes.extend(pid for pid in product_ids if pid not in gone)

    def report(self, file: str, fmt: str, started: float, ignored: Sequence[str]) -> IngestReport:
        warnings = list(self.warnings)
        if self.warnings_omitted:
            warnings.append(f"... and {self.warnings_omitted} more warnings")
        if self.missing_deletes:
            shown = ", ".join(self.missing_deletes[:5])
            more = "" if len(self.missing_deletes) <= 5 else ", ..."
            count = len(self.missing_deletes)
            warnings.append(f"{count} deletions named products not in the catalog: {shown}{more}")
        counts = {name: self.counts.get(name, 0) for name in _COUNT_FIELDS}
        return IngestReport(
            file=file,
            format=fmt,
            **counts,
            errors=self.errors,
            field_warnings=self.field_warnings,
            warnings=warnings,
            ignored_columns=list(ignored),
            seconds=round(time.perf_counter() - started, 3),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )


_COUNT_FIELDS = (
    "rows_read",
    "accepted",
    "rejected",
    *(outcome.value for outcome in UpsertOutcome),
    "deleted",
    "delete_rows",
    "duplicate_rows",
    "errors_omitted",
    "warned",
    "field_warnings_omitted",
)


@dataclass(frozen=True)
class _Scan:
    rows: int
    last_line: dict[str, int]


def _scan(path: Path, fmt: FeedFormat, resolver: ColumnResolver) -> _Scan:
    """First pass: count rows and find the last row of every product id."""
    rows = 0
    last_line: dict[str, int] = {}
    for row in read_feed(path, fmt):
        rows += 1
        product_id = row_product_id(row, resolver.resolve(row))
        if product_id is not None:
            last_line[product_id] = row.line
    return _Scan(rows, last_line)


def _check_columns(path: Path, resolver: ColumnResolver, tally: _Tally) -> None:
    seen = resolver.seen_columns
    if seen and "product_id" not in resolver.found_fields:
        raise FeedError(
            f"{path.name}: no column gives the product id; columns are {', '.join(seen)}. "
            "Name one with a mapping such as product_id=COLUMN"
        )
    present = {normalize_column(column) for column in seen}
    for name, column in resolver.mapping.columns.items():
        if normalize_column(column) not in present:
            tally.warn(f"mapped column '{column}' (for {name}) is not in the feed")


def ingest_feed(
    path: str | Path,
    store: Store,
    mapping: FieldMapping | None = None,
    batch_size: int = 1000,
    progress: StageProgress | None = None,
    *,
    fmt: FeedFormat | None = None,
    max_errors: int = 1000,
    extractor: AttributeExtractor | None = None,
    strict: bool = False,
) -> IngestReport:
    """Validate a feed file and upsert its good rows into `store`, `batch_size` at a time.

    A bad value in an optional field is left out of the product with a warning in the report;
    with `strict` its row is rejected instead.

    Raises FeedError when the file as a whole is unusable (nothing is written then); bad rows are
    reported in the returned IngestReport, which is also saved as the store document 'ingest:last'.
    With an `extractor`, attributes the feed lacks are extracted from titles and descriptions
    before the upsert (feed values are never overridden).
    """
    started = time.perf_counter()
    path = Path(path)
    fmt = fmt or detect_format(path)
    resolver = ColumnResolver(mapping or FieldMapping())
    tally = _Tally(max_errors=max_errors)
    scan = _scan(path, fmt, resolver)
    _check_columns(path, resolver, tally)
    load = _Load(store, resolver, scan, tally, max(1, batch_size), progress, extractor, strict)
    _load(path, fmt, load)
    report = tally.report(str(path), fmt, started, resolver.ignored_columns)
    store.put_document(LAST_REPORT_KEY, report.model_dump_json())
    return report


@dataclass(frozen=True)
class _Load:
    """What the second pass writes to and with."""

    store: Store
    resolver: ColumnResolver
    scan: _Scan
    tally: _Tally
    batch_size: int
    progress: StageProgress | None
    extractor: AttributeExtractor | None
    strict: bool


def _load(path: Path, fmt: FeedFormat, run: _Load) -> None:
    """Second pass: convert rows and write them batch by batch."""
    tally = run.tally
    products: list[Product] = []
    deletes: list[str] = []
    for row in read_feed(path, fmt):
        tally.add("rows_read")
        columns = run.resolver.resolve(row)
        product_id = row_product_id(row, columns)
        last = run.scan.last_line.get(product_id, row.line) if product_id is not None else row.line
        if last != row.line:
            tally.add("duplicate_rows")
            where = f"{path.name}:{row.line}"
            tally.warn(f"{where}: product '{product_id}' appears again at line {last}; it wins")
            continue
        result = convert_row(row, columns, path.name, strict=run.strict)
        if result.errors:
            tally.add("rejected")
            tally.error(result.errors)
        elif result.delete and result.product_id is not None:
            tally.add("delete_rows")
            deletes.append(result.product_id)
        elif result.product is not None:
            products.append(result.product)
            if result.warnings:
                tally.add("warned")
                tally.field_warning(result.warnings)
        if len(products) >= run.batch_size:
            tally.upsert(run.store, products, run.extractor)
            products = []
        if len(deletes) >= run.batch_size:
            tally.delete(run.store, deletes)
            deletes = []
        if run.progress is not None and tally.counts["rows_read"] % run.batch_size == 0:
            run.progress(tally.counts["rows_read"], run.scan.rows)
    tally.upsert(run.store, products, run.extractor)
    tally.delete(run.store, deletes)
    if run.progress is not None:
        run.progress(tally.counts.get("rows_read", 0), run.scan.rows)


def ingest_products(
    store: Store,
    products: Sequence[Product],
    *,
    source: str = "api",
    batch_size: int = 1000,
    save_report: bool = True,
    extractor: AttributeExtractor | None = None,
) -> IngestReport:
    """Upsert products that are already built (e.g. an API bulk upsert); a later duplicate wins.

    With an `extractor`, attributes the products lack are extracted first (see `ingest_feed`)."""
    started = time.perf_counter()
    tally = _Tally(max_errors=0)
    last_index = {product.product_id: i for i, product in enumerate(products)}
    unique: list[Product] = []
    for i, product in enumerate(products):
        tally.add("rows_read")
        if last_index[product.product_id] != i:
            tally.add("duplicate_rows")
            tally.warn(f"product '{product.product_id}' appears again later; the later one wins")
        else:
            unique.append(product)
    for start in range(0, len(unique), max(1, batch_size)):
        tally.upsert(store, unique[start : start + max(1, batch_size)], extractor)
    report = tally.report(source, "products", started, ())
    if save_report:
        store.put_document(LAST_REPORT_KEY, report.model_dump_json())
    return report


def delete_products(
    store: Store, product_ids: Iterable[str], *, source: str = "api", save_report: bool = True
) -> IngestReport:
    """Delete products by id; ids not in the catalog are reported as a warning."""
    started = time.perf_counter()
    tally = _Tally(max_errors=0)
    ids = list(dict.fromkeys(pid.strip() for pid in product_ids if pid.strip()))
    tally.add("rows_read", len(ids))
    tally.add("delete_rows", len(ids))
    tally.delete(store, ids)
    report = tally.report(source, "delete", started, ())
    if save_report:
        store.put_document(LAST_REPORT_KEY, report.model_dump_json())
    return report


def load_last_report(store: Store) -> IngestReport | None:
    """The report of the latest ingestion saved in `store`, if any."""
    text = store.get_document(LAST_REPORT_KEY)
    return None if text is None else IngestReport.model_validate_json(text)


def format_report(report: IngestReport, max_errors: int = 20) -> str:
    """The report as a few lines of text, for the command line."""
    lines = [
        f"Ingested {report.file} ({report.format}) in {report.seconds:.1f}s",
        f"  rows read   {report.rows_read:>9,}",
        f"  accepted    {report.accepted:>9,}  (inserted {report.inserted:,}, "
        f"updated {report.updated:,}, unchanged {report.unchanged:,})",
        f"  rejected    {report.rejected:>9,}",
    ]
    if report.delete_rows or report.deleted:
        lines.append(f"  deleted     {report.deleted:>9,}  (of {report.delete_rows:,} requested)")
    if report.warned:
        lines.append(f"  warned      {report.warned:>9,}  (accepted without a bad optional field)")
    if report.duplicate_rows:
        lines.append(f"  duplicates  {report.duplicate_rows:>9,}  (earlier rows replaced)")
    if report.ignored_columns:
        lines.append("  ignored columns: " + ", ".join(report.ignored_columns))
    if report.warnings:
        lines.append(f"Warnings ({len(report.warnings)}):")
        lines.extend(f"  {warning}" for warning in report.warnings[:max_errors])
    total_warnings = len(report.field_warnings) + report.field_warnings_omitted
    if total_warnings:
        shown = min(max_errors, len(report.field_warnings))
        lines.append(
            f"Fields left out ({total_warnings:,}, first {shown} shown; --strict rejects such rows):"
        )
        lines.extend(f"  {warning}" for warning in report.field_warnings[:shown])
    total_errors = len(report.errors) + report.errors_omitted
    if total_errors:
        shown = min(max_errors, len(report.errors))
        rows = f"{report.rejected:,} rejected row" + ("" if report.rejected == 1 else "s")
        lines.append(f"Errors ({total_errors:,} in {rows}, first {shown} shown):")
        lines.extend(f"  {error}" for error in report.errors[:shown])
    return "\n".join(lines)
