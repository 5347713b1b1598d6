"""PostgreSQL ImpressionLog: the `impressions` table, idempotent by request id (the first record
wins), read back in (time, recording order) pages."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from shelfwise.experiments import RecordOutcome
from shelfwise.impressions.records import Impression
from shelfwise.impressions.rows import impression_from_row, impression_row
from shelfwise.storage.postgres import Owned, PgDatabase, purge_older
from shelfwise.store.durable_sqlite import to_micros

_COLUMNS = "request_id, surface, ts, user_id, session_id, query, items, variants, context"
_INSERT = (
    f"INSERT INTO impressions({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (request_id) DO NOTHING RETURNING request_id"
)
_PAGE = 5_000


class PostgresImpressionLog:
    """Impressions in PostgreSQL; safe to share between threads and between processes."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def record(self, impressions: Sequence[Impression]) -> list[RecordOutcome]:
        outcomes: list[RecordOutcome] = []
        if not impressions:
            return outcomes
        with self._db.transaction() as conn:
            for impression in impressions:
                inserted = conn.execute(_INSERT, impression_row(impression)).fetchone() is not None
                outcomes.append(RecordOutcome.RECORDED if inserted else RecordOutcome.DUPLICATE)
        return outcomes

    def get(self, request_id: str) -> Impression | None:
        with self._db.pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM impressions WHERE request_id = %s", (request_id,)
            ).fetchone()
        return None if row is None else impression_from_row(row)

    def iter_impressions(
        self, since: datetime | None = None, until: datetime | None = None, surface: str | None = None
    ) -> Iterator[Impression]:
        low = -(2**63) if since is None else to_micros(since)
        high = 2**63 - 1 if until is None else to_micros(until)
        cursor: tuple[int, int] = (low, -1)
        while True:
            with self._db.pool.connection() as conn:
                rows = conn.execute(
                    f"SELECT {_COLUMNS}, n FROM impressions WHERE (ts, n) > (%s, %s) AND ts < %s "
                    "AND (%s::text IS NULL OR surface = %s) ORDER BY ts, n LIMIT %s",
                    (cursor[0], cursor[1], high, surface, surface, _PAGE),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield impression_from_row(row[:-1])
            cursor = (int(rows[-1][2]), int(rows[-1][-1]))

    def count(self, surface: str | None = None) -> int:
        with self._db.pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM impressions WHERE (%s::text IS NULL OR surface = %s)",
                (surface, surface),
            ).fetchone()
        return int(row[0])  # type: ignore[index]

    def sessions_of(self, user_id: str) -> set[str]:
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT session_id FROM impressions WHERE user_id = %s AND session_id IS NOT NULL",
                (user_id,),
            ).fetchall()
        return {str(session) for (session,) in rows}

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        with self._db.transaction() as conn:
            return conn.execute(
                "DELETE FROM impressions WHERE user_id = %s OR (user_id IS NULL AND session_id = ANY(%s))",
                (user_id, sorted(set(session_ids))),
            ).rowcount

    def purge_before(self, cutoff: datetime) -> int:
        return purge_older(self._db, "impressions", to_micros(cutoff))

    def close(self) -> None:
        self._owned.close()
