"""Opening an append-only SQLite log durably (WAL, synchronous=FULL, a schema version), and the
microsecond timestamps such logs store: shared by the event store and the exposure log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch: exact, and sorts like the time."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)


def connect_durable(path: Path, schema: str, version: int, what: str) -> sqlite3.Connection:
    """A connection (autocommit; callers open their own transactions) to the file at `path`,
    with `schema` applied; refuses a file whose schema is newer than `version`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > version:
        conn.close()
        raise RuntimeError(f"{path}: {what} schema {found} is newer than this Shelfwise knows")
    conn.executescript(schema)
    conn.execute(f"PRAGMA user_version={version}")
    return conn


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already: after SQLITE_FULL (a full
    disk) it rolls back by itself, and a second ROLLBACK would raise "no transaction is active"
    in place of the error that matters."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")
