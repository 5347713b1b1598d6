"""Catalog ingestion: feed readers, field mapping, validation, ingest pipeline, demo shop and shoppers."""

from __future__ import annotations

from shelfwise.catalog.convert import Converted, RowError, convert_row
from shelfwise.catalog.demo import DemoFeed, demo_field_mapping, generate_demo_catalog, write_demo_feed
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
    ProgressCallback,
    delete_products,
    format_report,
    ingest_feed,
    ingest_products,
    load_last_report,
)
from shelfwise.catalog.shoppers import (
    ShopperSimulation,
    ShopperTruth,
    SimulatedHistory,
    simulate_shoppers,
    write_events_jsonl,
)
from shelfwise.catalog.shoppers_catalog import DEMO_COMPLEMENTS

__all__ = [
    "DEMO_COMPLEMENTS",
    "LAST_REPORT_KEY",
    "Converted",
    "DemoFeed",
    "FeedError",
    "FeedFormat",
    "FieldMapping",
    "IngestReport",
    "ProgressCallback",
    "RawRow",
    "ResolvedColumns",
    "RowError",
    "ShopperSimulation",
    "ShopperTruth",
    "SimulatedHistory",
    "convert_row",
    "delete_products",
    "demo_field_mapping",
    "detect_format",
    "format_report",
    "generate_demo_catalog",
    "ingest_feed",
    "ingest_products",
    "load_last_report",
    "read_feed",
    "read_mapping",
    "resolve_columns",
    "simulate_shoppers",
    "write_demo_feed",
    "write_events_jsonl",
]
