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


def open_event_store(target: str | Path) -> EventStore:
    """A data folder (its `events.db`), `sqlite:///path/to/events.db` or `memory://`."""
    if isinstance(target, str) and "://" in target:
        if target == "memory://":
            return MemoryEventStore()
        if target.startswith("sqlite:///"):
            return SQLiteEventStore(Path(target.removeprefix("sqlite:///")))
        raise ValueError(f"unsupported event store URL '{target}': use memory:// or sqlite:///PATH")
    return SQLiteEventStore(Path(target) / EVENTS_FILE)
