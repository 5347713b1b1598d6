"""Shoppers' events: the EventStore protocol and its backends, `open_event_store` to pick one,
file import with per-row errors, and the recorder that tells listeners about new events."""

from __future__ import annotations

from pathlib import Path

from shelfwise.events.base import AppendOutcome, EventStats, EventStore, StoredEvent
from shelfwise.events.convert import (
    EVENT_FIELDS,
    EventMapping,
    EventProblem,
    ParsedEvent,
    parse_event,
    resolve_event_columns,
)
from shelfwise.events.importer import (
    EventImportReport,
    EventRowError,
    ImportProgress,
    format_import_report,
    import_events,
)
from shelfwise.events.memory import MemoryEventStore
from shelfwise.events.recorder import EventListener, EventRecorder
from shelfwise.events.sqlite import SQLiteEventStore
from shelfwise.storage.urls import Databases, folder_or_url, on_database

EVENTS_FILE = "events.db"

__all__ = [
    "EVENTS_FILE",
    "EVENT_FIELDS",
    "AppendOutcome",
    "EventImportReport",
    "EventListener",
    "EventMapping",
    "EventProblem",
    "EventRecorder",
    "EventRowError",
    "EventStats",
    "EventStore",
    "ImportProgress",
    "MemoryEventStore",
    "ParsedEvent",
    "SQLiteEventStore",
    "StoredEvent",
    "format_import_report",
    "import_events",
    "open_event_store",
    "parse_event",
    "resolve_event_columns",
]


def open_event_store(target: str | Path, databases: Databases | None = None) -> EventStore:
    """A data folder (its `events.db`), `sqlite:///path/to/events.db`, `memory://` or
    `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = folder_or_url(target, EVENTS_FILE, "event store")
    if parsed.scheme == "memory":
        return MemoryEventStore()
    if parsed.scheme == "postgresql":
        from shelfwise.events.postgres import PostgresEventStore

        return PostgresEventStore(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteEventStore(parsed.path)
