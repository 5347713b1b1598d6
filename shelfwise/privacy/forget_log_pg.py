"""The forget log in PostgreSQL (`forgotten`): the digests of forgotten actors, in seq order, for
every server process on the database to follow. Appends hold the log's advisory lock until commit,
so a seq is visible only after every smaller one and no process skips a row."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from shelfwise.privacy.forget_log import ForgottenSince, actor_digest
from shelfwise.storage.postgres import FORGET_LOCK, Owned, PgDatabase
from shelfwise.store.durable_sqlite import from_micros, to_micros


class PostgresForgetLog:
    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def record(self, actors: Collection[str], at: datetime | None = None) -> int:
        """Log the forgotten actors (committed on return); returns the seq of the last row."""
        moment = to_micros(at or datetime.now(UTC))
        rows = [(f"{actor_digest(actor):016x}", moment) for actor in sorted(set(actors))]
        with self._db.transaction(lock=FORGET_LOCK) as conn:
            if rows:
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO forgotten(digest, ts) VALUES (%s, %s)", rows)
            row = conn.execute("SELECT coalesce(max(seq), 0) FROM forgotten").fetchone()
        return int(row[0])  # type: ignore[index]

    def last_seq(self) -> int:
        with self._db.pool.connection() as conn:
            return int(conn.execute("SELECT coalesce(max(seq), 0) FROM forgotten").fetchone()[0])  # type: ignore[index]

    def since(self, seq: int) -> ForgottenSince:
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT seq, digest, ts FROM forgotten WHERE seq > %s ORDER BY seq", (seq,)
            ).fetchall()
        if not rows:
            return ForgottenSince(seq, frozenset())
        earliest = from_micros(min(int(ts) for _, _, ts in rows))
        return ForgottenSince(int(rows[-1][0]), frozenset(int(digest, 16) for _, digest, _ in rows), earliest)

    def prune(self, before: datetime) -> int:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM forgotten WHERE ts < %s", (to_micros(before),)).rowcount

    def close(self) -> None:
        self._owned.close()
