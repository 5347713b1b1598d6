"""Catalog ingestion: feed readers, field mapping, validation and the ingest pipeline. The demo
shop is `shelfwise.demo`; the shopper simulator `shelfwise.simulate`."""

from __future__ import annotations

from shelfwise.catalog.convert import Converted, RowError, convert_row
from shelfwise.catalog.feed import (
    FeedError,
    FeedFormat,
    FieldMapping,
    RawRow,
    ResolvedColumns,
    detect_format,
    read_feed,
    read_mapping,
    resolve_columns,
)
from shelfwise.catalog.ingest import (
    LAST_REPORT_KEY,
    IngestReport,
    delete_products,
    format_report,
    ingest_feed,
    ingest_products,
    load_last_report,
)

__all__ = [
    "LAST_REPORT_KEY",
    "Converted",
    "FeedError",
    "FeedFormat",
    "FieldMapping",
    "IngestReport",
    "RawRow",
    "ResolvedColumns",
    "RowError",
    "convert_row",
    "delete_products",
    "detect_format",
    "format_report",
    "ingest_feed",
    "ingest_products",
    "load_last_report",
    "read_feed",
    "read_mapping",
    "resolve_columns",
]
