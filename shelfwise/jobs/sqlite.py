"""The job queue in SQLite: `jobs.db` in the data folder, shared by `shelfwise worker`, the server
and the CLI. The file is created by the first job queued; until then every read finds nothing."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shelfwise.jobs.sql import Run, SqlJobQueue
from shelfwise.store.durable_sqlite import connect_durable, rollback

JOBS_FILE = "jobs.db"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    heartbeat_at INTEGER,
    worker TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, job_id);
CREATE TABLE IF NOT EXISTS job_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(job_id),
    ts INTEGER NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_log_job ON job_log (job_id, seq);
"""


class _SQLiteTransactions:
    skip_locked = ""  # BEGIN IMMEDIATE takes the file's write lock: one writer at a time

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def reads(self) -> bool:
        return self._conn is not None or self.path.exists()

    @contextmanager
    def transaction(self) -> Iterator[Run]:
        with self._lock:
            if self._conn is None:
                self._conn = connect_durable(self.path, _SCHEMA, SCHEMA_VERSION, "job queue")
            conn = self._conn

            def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                return conn.execute(sql, tuple(params)).fetchall()

            conn.execute("BEGIN IMMEDIATE")
            try:
                yield run
            except BaseException:
                rollback(conn)
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class SQLiteJobQueue(SqlJobQueue):
    def __init__(self, path: str | Path) -> None:
        super().__init__(_SQLiteTransactions(Path(path)))
