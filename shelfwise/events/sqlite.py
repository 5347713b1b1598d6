"""SQLite EventStore: `events.db` in WAL mode with synchronous=FULL; each batch is one transaction,
fsynced before `append` returns, so an acknowledged event survives a killed process or a power cut.

`seq` is an AUTOINCREMENT key: it only grows, even if old events are pruned one day, and has no
gaps while nothing is deleted. Writers are
serialized by SQLite (BEGIN IMMEDIATE), so a seq becomes visible only after every smaller one, and
a reader that remembers the last seq it saw never misses an event.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from shelfwise.events.base import AppendOutcome, EventStats, StoredEvent
from shelfwise.records import Event
from shelfwise.store.durable_sqlite import connect_durable, from_micros, rollback, to_micros
from shelfwise.store.erase_sqlite import delete_erasing, delete_older

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    actor TEXT NOT NULL,
    type TEXT NOT NULL,
    product_id TEXT,
    ts INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_actor_seq ON events(actor, seq);
"""
_LAST_SEQ = "SELECT seq FROM sqlite_sequence WHERE name = 'events'"
_INSERT = "INSERT INTO events(event_id, actor, type, product_id, ts, data) VALUES(?, ?, ?, ?, ?, ?)"


def _connect(path: Path) -> sqlite3.Connection:
    return connect_durable(path, _SCHEMA, SCHEMA_VERSION, "event store")


class SQLiteEventStore:
    """The default EventStore: one SQLite file, safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = _connect(self.path)
        self._lock = threading.RLock()

    def append(self, events: Sequence[Event]) -> list[AppendOutcome]:
        if not events:
            return []
        outcomes: list[AppendOutcome] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for event in events:
                    outcomes.append(self._append_one(event))
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return outcomes

    def _append_one(self, event: Event) -> AppendOutcome:
        # Looked up first (the write lock is held): an INSERT that hits the UNIQUE constraint
        # would still use up an AUTOINCREMENT value, leaving gaps in seq for every duplicate.
        found = self._conn.execute("SELECT 1 FROM events WHERE event_id = ?", (event.event_id,))
        if found.fetchone() is not None:
            return AppendOutcome.DUPLICATE
        self._conn.execute(_INSERT, _row(event))
        return AppendOutcome.ACCEPTED

    def iter_events(self, after_seq: int = 0, batch_size: int = 10_000) -> Iterator[StoredEvent]:
        last = after_seq
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, max(1, batch_size)),
                ).fetchall()
            if not rows:
                return
            for seq, data in rows:
                yield StoredEvent(int(seq), Event.model_validate_json(data))
            last = int(rows[-1][0])

    def recent(self, actor: str, limit: int = 50) -> list[Event]:
        if limit <= 0:
            return []
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM events WHERE actor = ? ORDER BY seq DESC LIMIT ?", (actor, limit)
            ).fetchall()
        return [Event.model_validate_json(data) for (data,) in reversed(rows)]

    def actor_seq(self, actor: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(seq) FROM events WHERE actor = ?", (actor,)).fetchone()
        return 0 if row[0] is None else int(row[0])

    def last_seq(self) -> int:
        """From AUTOINCREMENT's own record, so a deleted latest event still counts."""
        with self._lock:
            row = self._conn.execute(_LAST_SEQ).fetchone()
        return 0 if row is None or row[0] is None else int(row[0])

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def stats(self) -> EventStats:
        with self._lock:
            self._conn.execute("BEGIN")  # one snapshot for both queries
            try:
                by_type = dict(
                    self._conn.execute("SELECT type, COUNT(*) FROM events GROUP BY type ORDER BY type")
                )
                actors, first, last = self._conn.execute(
                    "SELECT COUNT(DISTINCT actor), MIN(ts), MAX(ts) FROM events"
                ).fetchone()
                seq = (self._conn.execute(_LAST_SEQ).fetchone() or (None,))[0]
            finally:
                self._conn.execute("COMMIT")
        return EventStats(
            total=sum(by_type.values()),
            by_type={str(k): int(v) for k, v in by_type.items()},
            actors=int(actors),
            last_seq=0 if seq is None else int(seq),
            first_timestamp=None if first is None else from_micros(int(first)),
            last_timestamp=None if last is None else from_micros(int(last)),
        )

    def sessions_of(self, user_id: str) -> set[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT json_extract(data, '$.session_id') FROM events WHERE actor = ?",
                (f"user:{user_id}",),
            ).fetchall()
        return {str(session) for (session,) in rows if session is not None}

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        actors = [f"user:{user_id}", *(f"session:{s}" for s in sorted(set(session_ids)))]
        with self._lock:
            return delete_erasing(self._conn, "DELETE FROM events WHERE actor IN ({})", actors)

    def purge_before(self, cutoff: datetime) -> int:
        return delete_older(self._conn, self._lock, "events", to_micros(cutoff))

    def integrity_check(self) -> str:
        """SQLite's own check of the file: 'ok' when sound."""
        with self._lock:
            return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _row(event: Event) -> tuple[str, str, str, str | None, int, str]:
    data = event.model_dump_json(exclude_defaults=True)
    return (event.event_id, event.actor, event.type, event.product_id, to_micros(event.timestamp), data)
