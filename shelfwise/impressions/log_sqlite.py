"""SQLite ImpressionLog: one file (`DATA_DIR/impressions.db`) in WAL mode.

One row per response; its shown items, variants and context are JSON columns, since they are
always read together. Each `record` call is one transaction. Impressions are the service's own
log, written on every search, so the file runs with synchronous=NORMAL: a killed process loses
nothing committed, a power cut may lose the last transactions (events and exposures, which are
the shoppers' input and the experiments' denominators, stay synchronous=FULL).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from shelfwise.experiments import RecordOutcome
from shelfwise.impressions.records import Impression
from shelfwise.impressions.rows import impression_from_row, impression_row
from shelfwise.store.durable_sqlite import connect_durable, rollback, to_micros
from shelfwise.store.erase_sqlite import delete_erasing, delete_older, matching_rowids

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS impressions (
    request_id TEXT PRIMARY KEY,
    surface TEXT NOT NULL,
    ts INTEGER NOT NULL,
    user_id TEXT,
    session_id TEXT,
    query TEXT,
    items TEXT NOT NULL,
    variants TEXT NOT NULL,
    context TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS impressions_ts ON impressions(ts);
"""
_INSERT = (
    "INSERT OR IGNORE INTO impressions(request_id, surface, ts, user_id, session_id, query, items, "
    "variants, context) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_COLUMNS = "request_id, surface, ts, user_id, session_id, query, items, variants, context"
_PAGE = 5_000


class SQLiteImpressionLog:
    """The default ImpressionLog; safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = connect_durable(self.path, _SCHEMA, SCHEMA_VERSION, "impression log")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()

    def record(self, impressions: Sequence[Impression]) -> list[RecordOutcome]:
        if not impressions:
            return []
        outcomes: list[RecordOutcome] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for impression in impressions:
                    inserted = self._conn.execute(_INSERT, impression_row(impression)).rowcount == 1
                    outcomes.append(RecordOutcome.RECORDED if inserted else RecordOutcome.DUPLICATE)
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return outcomes

    def get(self, request_id: str) -> Impression | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM impressions WHERE request_id = ?", (request_id,)
            ).fetchone()
        return None if row is None else impression_from_row(row)

    def iter_impressions(
        self, since: datetime | None = None, until: datetime | None = None, surface: str | None = None
    ) -> Iterator[Impression]:
        """Read in pages of rowid order within time order, so a long pass holds no lock."""
        low = -(2**63) if since is None else to_micros(since)
        high = 2**63 - 1 if until is None else to_micros(until)
        cursor: tuple[int, int] = (low, -1)
        while True:
            with self._lock:
                rows: list[sqlite3.Row] = self._conn.execute(
                    f"SELECT {_COLUMNS}, rowid FROM impressions WHERE (ts, rowid) > (?, ?) AND ts < ? "
                    "AND (? IS NULL OR surface = ?) ORDER BY ts, rowid LIMIT ?",
                    (cursor[0], cursor[1], high, surface, surface, _PAGE),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield impression_from_row(row[:-1])
            cursor = (int(rows[-1][2]), int(rows[-1][-1]))

    def count(self, surface: str | None = None) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM impressions WHERE (? IS NULL OR surface = ?)", (surface, surface)
            ).fetchone()
        return int(row[0])

    def sessions_of(self, user_id: str) -> set[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT session_id FROM impressions WHERE user_id = ? AND session_id IS NOT NULL",
                (user_id,),
            ).fetchall()
        return {str(session) for (session,) in rows}

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        """Found first by a read (no index on the ids: a scan that holds no write lock), then
        deleted by rowid in one short transaction."""
        with self._lock:
            rowids = matching_rowids(self._conn, "SELECT rowid FROM impressions WHERE user_id = ?", [user_id])
            rowids += matching_rowids(
                self._conn,
                "SELECT rowid FROM impressions WHERE user_id IS NULL AND session_id IN ({})",
                sorted(set(session_ids)),
            )
            return delete_erasing(self._conn, "DELETE FROM impressions WHERE rowid IN ({})", rowids)

    def purge_before(self, cutoff: datetime) -> int:
        return delete_older(self._conn, self._lock, "impressions", to_micros(cutoff))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
