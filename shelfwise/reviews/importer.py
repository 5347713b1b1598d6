"""Review files (CSV, TSV, JSONL; gzip too; or Amazon's review JSONL) -> a ReviewStore, with a
report in the shape of the product and event imports: each bad line is listed with its file,
line, field and reason, the good lines go in, `batch_size` to a durable transaction, so a killed
import loses at most the batch it was writing; importing the file again updates, never adds twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.catalog.feed import FeedError, FeedFormat, RawRow, detect_format, read_feed
from shelfwise.config.reviews import ReviewRules
from shelfwise.reviews.base import ReviewStore
from shelfwise.reviews.convert import (
    AMAZON_COLUMNS,
    REQUIRED_FIELDS,
    ReviewMapping,
    ReviewProblem,
    amazon_values,
    parse_review,
    resolve_review_columns,
)
from shelfwise.reviews.records import Review
from shelfwise.reviews.writes import ReviewWriteReport, write_batch

ReviewFileFormat = Literal["plain", "amazon"]
ImportProgress = Callable[[int], None]
"""Called as progress(rows_read) after each committed batch."""


class ReviewRowError(BaseModel):
    """One problem in one line of a review file; `field` is None when the line itself is wrong."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    field: str | None = None
    reason: str
    review_id: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.field is None:
            return f"{where}: {self.reason}"
        column = f" (column '{self.column}')" if self.column and self.column != self.field else ""
        return f"{where}: field '{self.field}'{column}: {self.reason}"


class ReviewImportReport(BaseModel):
    """What one import did: rows_read = inserted + updated + unchanged + rejected. `flagged` of
    the reviews written carried a duplicate or spam flag when written (`flags` by code); later
    lines of the file can flag or clear earlier ones (`reflagged`), so `stored_flagged` is the
    count that holds afterwards. Flagged reviews are stored, and left out of product aggregates."""

    model_config = ConfigDict(frozen=True)

    file: str
    format: str = ""
    rows_read: int = 0
    inserted: int = 0
    updated: int = Field(default=0, description="review ids already stored, now replaced")
    unchanged: int = Field(default=0, description="review ids already stored exactly so")
    rejected: int = 0
    flagged: int = 0
    reflagged: int = Field(default=0, description="stored reviews whose flags this import changed")
    flags: dict[str, int] = Field(default_factory=dict)
    errors: list[ReviewRowError] = Field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = Field(default_factory=list)
    stored: int = Field(default=0, description="reviews in the store afterwards")
    stored_flagged: int = Field(default=0, description="flagged reviews in the store afterwards")
    seconds: float = 0.0
    finished_at: str = ""


@dataclass
class _Run:
    store: ReviewStore
    rules: ReviewRules
    file: str
    max_errors: int
    shopper_id: Callable[[str], str] | None
    written: ReviewWriteReport = field(default_factory=ReviewWriteReport)
    rows_read: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[ReviewRowError] = field(default_factory=list)
    batch: list[Review] = field(default_factory=list)
    seen: dict[str, None] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def reject(
        self, line: int, review_id: str | None, problems: Sequence[ReviewProblem], columns: dict[str, str]
    ) -> None:
        self.rejected += 1
        for problem in problems:
            self.error_count += 1
            if len(self.errors) < self.max_errors:
                column = None if problem.field is None else columns.get(problem.field)
                error = ReviewRowError(
                    file=self.file, line=line, field=problem.field, reason=problem.reason,
                    review_id=review_id, column=column,
                )  # fmt: skip
                self.errors.append(error)

    def add(self, review: Review) -> None:
        if self.shopper_id is not None:
            review = review.model_copy(update={"shopper_id": self.shopper_id(review.shopper_id)})
        self.batch.append(review)

    def flush(self) -> None:
        self.written = self.written.plus(write_batch(self.store, self.batch, self.rules))
        self.batch = []


def _row_values(
    row: RawRow, source: ReviewFileFormat, mapping: ReviewMapping, run: _Run
) -> tuple[dict[str, object], dict[str, str]]:
    """The row as review fields, and field -> the column it came from (for the errors)."""
    run.seen.update(dict.fromkeys(row.values))
    if source == "amazon":
        run.used.update(AMAZON_COLUMNS.values())
        run.used.add("reviewTime")
        return amazon_values(row.values), dict(AMAZON_COLUMNS)
    columns = resolve_review_columns(mapping, list(row.values))
    run.used.update(columns.values())
    return {name: row.values.get(column) for name, column in columns.items()}, columns


def _check_header(path: Path, fmt: FeedFormat, mapping: ReviewMapping) -> None:
    """A CSV or TSV header without a required field would reject every line: refused first."""
    if fmt not in ("csv", "tsv"):
        return
    first = next(iter(read_feed(path, fmt)), None)
    if first is None or first.error is not None:
        return
    columns = resolve_review_columns(mapping, list(first.values))
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise FeedError(f"{path.name}: no column gives {', '.join(missing)}; columns are "
                        f"{', '.join(first.values)}. Name them with --column FIELD=COLUMN")  # fmt: skip


def import_review_file(
    path: str | Path,
    store: ReviewStore,
    rules: ReviewRules | None = None,
    mapping: ReviewMapping | None = None,
    *,
    source: ReviewFileFormat = "plain",
    fmt: FeedFormat | None = None,
    batch_size: int = 1000,
    progress: ImportProgress | None = None,
    max_errors: int = 1000,
    shopper_id: Callable[[str], str] | None = None,
) -> ReviewImportReport:
    """Validate a review file and store its good lines, flagged by `rules`. Raises FeedError when
    the file as a whole is unusable (unknown format, missing, a CSV header without a required
    field); bad lines are reported and skipped. `shopper_id` maps ids (the shop's pseudonyms)."""
    started = time.perf_counter()
    path = Path(path)
    fmt = fmt or detect_format(path)
    mapping = mapping or ReviewMapping()
    if not path.is_file():
        raise FeedError(f"{path}: no such file")
    if source == "plain":
        _check_header(path, fmt, mapping)
    run = _Run(store, rules or ReviewRules(), path.name, max_errors, shopper_id)
    for row in read_feed(path, fmt):
        run.rows_read += 1
        values, columns = _row_values(row, source, mapping, run)
        if row.error is not None:
            run.reject(row.line, None, [ReviewProblem(None, row.error)], columns)
            continue
        parsed = parse_review(values)
        if parsed.review is None:
            run.reject(row.line, parsed.review_id, parsed.problems, columns)
        else:
            run.add(parsed.review)
        if len(run.batch) >= max(1, batch_size):
            run.flush()
            if progress is not None:
                progress(run.rows_read)
    run.flush()
    if progress is not None:
        progress(run.rows_read)
    written = run.written
    after = store.stats()
    return ReviewImportReport(
        file=str(path), format=fmt if source == "plain" else f"{fmt}, amazon", rows_read=run.rows_read,
        inserted=written.inserted, updated=written.updated, unchanged=written.unchanged,
        rejected=run.rejected, flagged=written.flagged, reflagged=written.reflagged, flags=written.flags,
        errors=run.errors, error_count=run.error_count,
        ignored_columns=[c for c in run.seen if c not in run.used],
        stored=after.total, stored_flagged=after.flagged,
        seconds=round(time.perf_counter() - started, 3),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )  # fmt: skip


def format_review_report(report: ReviewImportReport, max_errors: int = 20) -> str:
    """The report as a few lines of text, for the command line."""
    lines = [
        f"Imported {report.file} ({report.format}) in {report.seconds:.1f}s",
        f"  rows read   {report.rows_read:>9,}",
        f"  inserted    {report.inserted:>9,}",
        f"  updated     {report.updated:>9,}  (review id already stored)",
        f"  unchanged   {report.unchanged:>9,}",
        f"  rejected    {report.rejected:>9,}",
        f"  flagged     {report.flagged:>9,}  (stored; left out of ratings: "
        + (", ".join(f"{code} {n:,}" for code, n in report.flags.items()) or "none")
        + ")",
    ]
    if report.reflagged:
        lines.append(f"  reflagged   {report.reflagged:>9,}  (stored reviews whose flags changed)")
    lines.append(f"  stored now  {report.stored:>9,}  ({report.stored_flagged:,} flagged)")
    if report.ignored_columns:
        lines.append("  ignored columns: " + ", ".join(report.ignored_columns))
    if report.error_count:
        shown = min(max_errors, len(report.errors))
        rows = f"{report.rejected:,} rejected row" + ("" if report.rejected == 1 else "s")
        lines.append(f"Errors ({report.error_count:,} in {rows}, first {shown} shown):")
        lines.extend(f"  {error}" for error in report.errors[:shown])
    return "\n".join(lines)
