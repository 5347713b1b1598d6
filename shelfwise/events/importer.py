"""Event files (CSV, TSV, JSONL; gzip too) -> an EventStore, in batches, with a report.

Good rows are appended `batch_size` at a time, each batch one durable transaction: a killed
import loses at most the batch it was writing, and running the same file again is harmless, since
events already stored come back as duplicates instead of being counted twice.
"""

from __future__ import annotations

import csv
import gzip
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.catalog.feed import (
    FeedError,
    FeedFormat,
    RawRow,
    detect_format,
    normalize_column,
    read_feed,
)
from shelfwise.events.base import AppendOutcome, EventStore
from shelfwise.events.convert import (
    REQUIRED_FIELDS,
    EventMapping,
    EventProblem,
    parse_event,
    resolve_event_columns,
)
from shelfwise.records import Event

ImportProgress = Callable[[int], None]
"""Called as progress(rows_read) after each committed batch."""


class EventRowError(BaseModel):
    """One problem in one row of an event file; `field` is None when the row itself is wrong."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    field: str | None = None
    reason: str
    event_id: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.field is None:
            return f"{where}: {self.reason}"
        column = f" (column '{self.column}')" if self.column and self.column != self.field else ""
        return f"{where}: field '{self.field}'{column}: {self.reason}"


class EventImportReport(BaseModel):
    """What one import did. rows_read = accepted + duplicate + rejected; `errors` holds the first
    problems in full and `error_count` counts them all (a rejected row may have several)."""

    model_config = ConfigDict(frozen=True)

    file: str
    format: str = ""
    rows_read: int = 0
    accepted: int = Field(default=0, description="new events now stored")
    duplicate: int = Field(default=0, description="events whose id was already stored")
    rejected: int = Field(default=0, description="rows that are not valid events")
    errors: list[EventRowError] = Field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    last_seq: int = Field(default=0, description="the store's last sequence number afterwards")
    seconds: float = 0.0
    finished_at: str = ""


_COUNTS = ("rows_read", "accepted", "duplicate", "rejected", "error_count")


@dataclass
class _Run:
    """Counters and the pending batch of one import (private to this module)."""

    store: EventStore
    file: str
    max_errors: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    errors: list[EventRowError] = field(default_factory=list)
    batch: list[Event] = field(default_factory=list)

    def reject(
        self, line: int, event_id: str | None, problems: Sequence[EventProblem], columns: dict[str, str]
    ) -> None:
        self.counts["rejected"] += 1
        for problem in problems:
            self.counts["error_count"] += 1
            if len(self.errors) < self.max_errors:
                column = None if problem.field is None else columns.get(problem.field)
                self.errors.append(
                    EventRowError(
                        file=self.file,
                        line=line,
                        field=problem.field,
                        reason=problem.reason,
                        event_id=event_id,
                        column=column,
                    )
                )

    def flush(self) -> None:
        if self.batch:
            for outcome in self.store.append(self.batch):
                self.counts["accepted" if outcome is AppendOutcome.ACCEPTED else "duplicate"] += 1
            self.batch = []


class _Columns:
    """Resolves each row's columns (cached per column set; JSONL rows may differ) and keeps the
    columns never used, for the report."""

    def __init__(self, mapping: EventMapping) -> None:
        self.mapping = mapping
        self._cache: dict[tuple[str, ...], dict[str, str]] = {}
        self._seen: dict[str, None] = {}
        self._used: set[str] = set()

    def resolve(self, row: RawRow) -> dict[str, str]:
        key = tuple(row.values)
        resolved = self._cache.get(key)
        if resolved is None:
            resolved = resolve_event_columns(self.mapping, key)
            if len(self._cache) >= 256:
                self._cache.clear()
            self._cache[key] = resolved
            self._seen.update(dict.fromkeys(key))
            self._used.update(resolved.values())
        return resolved

    @property
    def ignored(self) -> list[str]:
        return [column for column in self._seen if column not in self._used]

    def warnings(self) -> list[str]:
        """Mapped columns that no row had (the field was then looked for under its usual names)."""
        present = {normalize_column(column) for column in self._seen}
        return [
            f"mapped column '{column}' (for {name}) is not in the file"
            for name, column in self.mapping.columns.items()
            if normalize_column(column) not in present
        ]


def _header(path: Path, fmt: FeedFormat) -> list[str] | None:
    """The column names of a CSV or TSV file (None for other formats or an unreadable start;
    reading the rows then reports the problem)."""
    if fmt not in ("csv", "tsv"):
        return None
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            for cells in csv.reader(handle, delimiter="\t" if fmt == "tsv" else ","):
                if any(cell.strip() for cell in cells):
                    return [cell.strip() or f"column_{i}" for i, cell in enumerate(cells, start=1)]
    except (OSError, UnicodeDecodeError, csv.Error, EOFError, zlib.error):
        return None
    return None


def _check_header(path: Path, fmt: FeedFormat, mapping: EventMapping) -> None:
    """A required field without a column would reject every row of a CSV or TSV file, so such a
    file is refused before anything is written."""
    header = _header(path, fmt)
    if header is None:
        return
    columns = resolve_event_columns(mapping, header)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if "user_id" not in columns and "session_id" not in columns:
        missing.append("user_id or session_id")
    if missing:
        raise FeedError(
            f"{path.name}: no column gives {', '.join(missing)}; columns are {', '.join(header)}. "
            "Name them with a mapping such as --column event_id=COLUMN"
        )


def import_events(
    path: str | Path,
    store: EventStore,
    mapping: EventMapping | None = None,
    batch_size: int = 5000,
    progress: ImportProgress | None = None,
    *,
    fmt: FeedFormat | None = None,
    max_errors: int = 1000,
) -> EventImportReport:
    """Validate an event file and append its good rows to `store`, `batch_size` at a time.

    Raises FeedError when the file as a whole is unusable (unknown format, unreadable, or a CSV
    header without a required column); bad rows are reported and skipped.
    """
    started = time.perf_counter()
    path = Path(path)
    fmt = fmt or detect_format(path)
    mapping = mapping or EventMapping()
    if not path.is_file():
        raise FeedError(f"{path}: no such file")
    _check_header(path, fmt, mapping)
    columns = _Columns(mapping)
    run = _Run(store=store, file=path.name, max_errors=max_errors)
    batch_size = max(1, batch_size)
    for row in read_feed(path, fmt):
        resolved = columns.resolve(row)
        run.counts["rows_read"] += 1
        if row.error is not None:
            run.reject(row.line, None, [EventProblem(None, row.error)], resolved)
            continue
        parsed = parse_event({name: row.values.get(column) for name, column in resolved.items()})
        if parsed.event is None:
            run.reject(row.line, parsed.event_id, parsed.problems, resolved)
        else:
            run.batch.append(parsed.event)
        if len(run.batch) >= batch_size:
            run.flush()
            if progress is not None:
                progress(run.counts["rows_read"])
    run.flush()
    if progress is not None:
        progress(run.counts["rows_read"])
    return EventImportReport(
        file=str(path),
        format=fmt,
        **run.counts,
        errors=run.errors,
        ignored_columns=columns.ignored,
        warnings=columns.warnings(),
        last_seq=store.last_seq(),
        seconds=round(time.perf_counter() - started, 3),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def format_import_report(report: EventImportReport, max_errors: int = 20) -> str:
    """The report as a few lines of text, for the command line."""
    lines = [
        f"Imported {report.file} ({report.format}) in {report.seconds:.1f}s",
        f"  rows read   {report.rows_read:>9,}",
        f"  accepted    {report.accepted:>9,}",
        f"  duplicate   {report.duplicate:>9,}  (already stored; not counted again)",
        f"  rejected    {report.rejected:>9,}",
        f"  last seq    {report.last_seq:>9,}",
    ]
    if report.ignored_columns:
        lines.append("  ignored columns: " + ", ".join(report.ignored_columns))
    if report.warnings:
        lines.append(f"Warnings ({len(report.warnings)}):")
        lines.extend(f"  {warning}" for warning in report.warnings)
    if report.error_count:
        shown = min(max_errors, len(report.errors))
        rows = f"{report.rejected:,} rejected row" + ("" if report.rejected == 1 else "s")
        lines.append(f"Errors ({report.error_count:,} in {rows}, first {shown} shown):")
        lines.extend(f"  {error}" for error in report.errors[:shown])
    return "\n".join(lines)
