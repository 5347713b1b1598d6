"""Recommendation answers shared by a server's worker processes, in a SQLite file.

Each worker keeps its own `AnswerCache` in memory; without a shared level a shopper whose
requests land on two workers is computed twice, and with N workers a cache holds 1/N of the
recent answers. `SharedAnswers` is the level behind the per-process caches: an answer computed by
any worker is stored here under the same key and marker, and the others read it (about 0.1 ms)
instead of computing it (about 10 ms for a home feed).

It is a cache, not a record: the file is written without fsync (`synchronous=OFF`), entries
older than the answer TTL are pruned as new ones come, and any SQLite error (a locked or damaged
file) reads as a miss or a skipped write, never as a failed request. Values are text made by the
caller (product ids and scores, not products: the caller reads those from its store).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Protocol

from shelfwise.recommend.answer_keys import _PRUNE_EVERY, answer_key
from shelfwise.storage.urls import Databases, folder_or_url, on_database

logger = logging.getLogger(__name__)

FILE_NAME = "answers.db"
_SCHEMA = """CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY, marker TEXT NOT NULL, stored_at REAL NOT NULL, value TEXT NOT NULL,
    owner TEXT)"""


class SharedAnswers:
    """Answers keyed by text, each valid while its marker matches and for `ttl_seconds`."""

    def __init__(self, path: Path, ttl_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._path, self._ttl, self._clock = Path(path), ttl_seconds, clock
        self._lock = threading.Lock()
        self._puts = 0
        self._conn: sqlite3.Connection | None = None
        self._failed = False  # the file could not be opened: off for this process

    def _connection(self) -> sqlite3.Connection | None:
        """The open connection, opened on first use (a command that never recommends makes no
        file); None when the file cannot be opened. The caller holds the lock."""
        if self._conn is None and not self._failed:
            try:
                conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None,
                                       timeout=0.2)  # fmt: skip
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=OFF")  # a cache: losing writes costs recomputation
                columns = {row[1] for row in conn.execute("PRAGMA table_info(answers)")}
                if columns and "owner" not in columns:  # an older file: a cache, so start afresh
                    conn.execute("DROP TABLE answers")
                conn.execute(_SCHEMA)
                self._conn = conn
            except sqlite3.Error as error:  # the per-process caches still work without it
                self._failed = True
                logger.warning("shared recommendation answers are off (%s): %s", self._path, error)
        return self._conn

    @property
    def enabled(self) -> bool:
        if self._ttl <= 0 or self._failed:
            return False
        with self._lock:
            return self._connection() is not None

    def get(self, key: str, marker: str) -> tuple[str, float] | None:
        """(value, age in seconds) of the current entry under `key`, else None."""
        if self._ttl <= 0:
            return None
        with self._lock:
            conn = self._connection()
            if conn is None:
                return None
            try:
                row = conn.execute(
                    "SELECT marker, stored_at, value FROM answers WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error as error:
                logger.debug("shared answer read failed: %s", error)
                return None
        if row is None or row[0] != marker:
            return None
        age = self._clock() - float(row[1])
        return (str(row[2]), max(0.0, age)) if age < self._ttl else None

    def put(self, key: str, marker: str, value: str, owner: str | None = None) -> None:
        """`owner`: `answer_key` of the shopper the answer was computed for (see `forget`)."""
        if self._ttl <= 0:
            return
        now = self._clock()
        with self._lock:
            conn = self._connection()
            if conn is None:
                return
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO answers (key, marker, stored_at, value, owner) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key, marker, now, value, owner),
                )
                self._puts += 1
                if self._puts % _PRUNE_EVERY == 0:
                    conn.execute("DELETE FROM answers WHERE stored_at < ?", (now - self._ttl,))
            except sqlite3.Error as error:  # another worker holds the write lock: skip this one
                logger.debug("shared answer write skipped: %s", error)

    def clear(self) -> None:
        with self._lock:
            conn = self._connection()
            if conn is None:
                return
            try:
                conn.execute("DELETE FROM answers")
            except sqlite3.Error as error:
                logger.warning("could not clear the shared recommendation answers: %s", error)

    def forget(self, owners: Collection[str]) -> int:
        """Delete the answers computed for these shoppers (actors); returns how many went (0 when
        the file is off)."""
        from shelfwise.store.erase_sqlite import delete_erasing

        keys = sorted({answer_key(owner) for owner in owners})
        with self._lock:
            conn = self._connection()
            if conn is None or not keys:
                return 0
            conn.execute("PRAGMA busy_timeout=10000")  # this deletion must not be skipped
            try:
                return delete_erasing(conn, "DELETE FROM answers WHERE owner IN ({})", keys)
            finally:
                conn.execute("PRAGMA busy_timeout=200")

    def entries(self) -> int:
        with self._lock:
            conn = self._connection()
            return 0 if conn is None else int(conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class AnswerStore(Protocol):
    """What the per-process answer caches need of the shared level (SQLite or PostgreSQL)."""

    @property
    def enabled(self) -> bool: ...

    def get(self, key: str, marker: str) -> tuple[str, float] | None: ...

    def put(self, key: str, marker: str, value: str, owner: str | None = None) -> None: ...

    def clear(self) -> None: ...

    def forget(self, owners: Collection[str]) -> int: ...

    def entries(self) -> int: ...

    def close(self) -> None: ...


def open_shared_answers(
    target: str | Path,
    ttl_seconds: float,
    databases: Databases | None = None,
    clock: Callable[[], float] = time.time,
) -> AnswerStore | None:
    """A data folder (its `answers.db`), `sqlite:///path`, `postgresql://...` (on `databases`'
    shared pool when given), or `memory://`: None, no level shared between processes."""
    parsed = folder_or_url(target, FILE_NAME, "shared answers")
    if parsed.scheme == "memory":
        return None
    if parsed.scheme == "postgresql":
        from shelfwise.recommend.shared_answers_pg import PostgresSharedAnswers

        return PostgresSharedAnswers(on_database(parsed, databases), ttl_seconds, clock)
    assert parsed.path is not None
    return SharedAnswers(parsed.path, ttl_seconds, clock)
