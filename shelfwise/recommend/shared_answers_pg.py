"""Recommendation answers shared by the server's processes in PostgreSQL (`shared_answers`, an
UNLOGGED table: a cache, so no write-ahead log). The same contract as the SQLite `SharedAnswers`:
a database error reads as a miss or a skipped write, never as a failed request; `forget` is the
one write that must not be skipped."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection

import psycopg

from shelfwise.recommend.shared_answers import _PRUNE_EVERY, answer_key
from shelfwise.storage.postgres import Owned, PgDatabase

logger = logging.getLogger(__name__)


class PostgresSharedAnswers:
    """Answers keyed by text, each valid while its marker matches and for `ttl_seconds`."""

    def __init__(
        self, database: str | PgDatabase, ttl_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._owned = Owned(database)
        self._db, self._ttl, self._clock = self._owned.db, ttl_seconds, clock
        self._puts = 0

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: str, marker: str) -> tuple[str, float] | None:
        if self._ttl <= 0:
            return None
        try:
            with self._db.pool.connection() as conn:
                row = conn.execute(
                    "SELECT marker, stored_at, value FROM shared_answers WHERE key = %s", (key,)
                ).fetchone()
        except psycopg.Error as error:
            logger.debug("shared answer read failed: %s", error)
            return None
        if row is None or row[0] != marker:
            return None
        age = self._clock() - float(row[1])
        return (str(row[2]), max(0.0, age)) if age < self._ttl else None

    def put(self, key: str, marker: str, value: str, owner: str | None = None) -> None:
        if self._ttl <= 0:
            return
        now = self._clock()
        self._puts += 1
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO shared_answers(key, marker, stored_at, value, owner) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET marker = excluded.marker, "
                    "stored_at = excluded.stored_at, value = excluded.value, owner = excluded.owner",
                    (key, marker, now, value, owner),
                )
                if self._puts % _PRUNE_EVERY == 0:
                    conn.execute("DELETE FROM shared_answers WHERE stored_at < %s", (now - self._ttl,))
        except psycopg.Error as error:
            logger.debug("shared answer write skipped: %s", error)

    def clear(self) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute("DELETE FROM shared_answers")
        except psycopg.Error as error:
            logger.warning("could not clear the shared recommendation answers: %s", error)

    def forget(self, owners: Collection[str]) -> int:
        keys = sorted({answer_key(owner) for owner in owners})
        if not keys:
            return 0
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM shared_answers WHERE owner = ANY(%s)", (keys,)).rowcount

    def entries(self) -> int:
        with self._db.pool.connection() as conn:
            return int(conn.execute("SELECT count(*) FROM shared_answers").fetchone()[0])  # type: ignore[index]

    def close(self) -> None:
        self._owned.close()
