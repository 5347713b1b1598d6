"""PostgreSQL EventStore: the `events` table, idempotent by `event_id`.

An append is one transaction under the event log's advisory lock: the batch's ids already stored
are looked up, and the new events are copied in (COPY, in batch order) with `seq` from the
table's identity sequence. Holding the lock until commit makes a seq visible only after every
smaller one, whichever process wrote it, and a duplicate never uses up a seq. `last_seq` reads the
sequence itself, so a deleted latest event still counts and seq numbers are never reused.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from shelfwise.events.base import AppendOutcome, EventStats, StoredEvent
from shelfwise.records import Event
from shelfwise.storage.postgres import EVENTS_LOCK, Owned, PgDatabase, purge_older
from shelfwise.store.durable_sqlite import from_micros, to_micros

_COPY = "COPY events(event_id, actor, session_id, type, product_id, ts, data) FROM STDIN"
_LAST_SEQ = "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')), 0)"


def _row(event: Event) -> tuple[str, str, str | None, str, str | None, int, str]:
    data = event.model_dump_json(exclude_defaults=True)
    return (event.event_id, event.actor, event.session_id, event.type, event.product_id,
            to_micros(event.timestamp), data)  # fmt: skip


class PostgresEventStore:
    """Events in PostgreSQL; safe to share between threads and between processes."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def append(self, events: Sequence[Event]) -> list[AppendOutcome]:
        if not events:
            return []
        rows = [_row(event) for event in events]  # made before the lock: it is held for less
        ids = list(dict.fromkeys(row[0] for row in rows))
        with self._db.pool.connection() as conn, conn.transaction():
            with conn.pipeline():  # the lock and the lookup in one round trip
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVENTS_LOCK,))
                found = conn.execute("SELECT event_id FROM events WHERE event_id = ANY(%s)", (ids,))
            stored = {eid for (eid,) in found.fetchall()}
            outcomes: list[AppendOutcome] = []
            new = []
            for row in rows:
                if row[0] in stored:
                    outcomes.append(AppendOutcome.DUPLICATE)
                    continue
                stored.add(row[0])
                new.append(row)
                outcomes.append(AppendOutcome.ACCEPTED)
            if new:
                with conn.cursor() as cursor, cursor.copy(_COPY) as copy:
                    for row in new:
                        copy.write_row(row)
        return outcomes

    def iter_events(self, after_seq: int = 0, batch_size: int = 10_000) -> Iterator[StoredEvent]:
        last = after_seq
        while True:
            with self._db.pool.connection() as conn:
                rows = conn.execute(
                    "SELECT seq, data FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
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
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT data FROM events WHERE actor = %s ORDER BY seq DESC LIMIT %s", (actor, limit)
            ).fetchall()
        return [Event.model_validate_json(data) for (data,) in reversed(rows)]

    def actor_seq(self, actor: str) -> int:
        with self._db.pool.connection() as conn:
            row = conn.execute("SELECT coalesce(max(seq), 0) FROM events WHERE actor = %s", (actor,))
            return int(row.fetchone()[0])  # type: ignore[index]

    def last_seq(self) -> int:
        with self._db.pool.connection() as conn:
            return int(conn.execute(_LAST_SEQ).fetchone()[0])  # type: ignore[index]

    def count(self) -> int:
        with self._db.pool.connection() as conn:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]

    def stats(self) -> EventStats:
        with self._db.pool.connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one snapshot
            by_type = {str(t): int(n) for t, n in conn.execute(
                "SELECT type, count(*) FROM events GROUP BY type ORDER BY type"
            )}  # fmt: skip
            actors, first, last = conn.execute(
                "SELECT count(DISTINCT actor), min(ts), max(ts) FROM events"
            ).fetchone()  # type: ignore[misc]
            seq = int(conn.execute(_LAST_SEQ).fetchone()[0])  # type: ignore[index]
        return EventStats(
            total=sum(by_type.values()), by_type=by_type, actors=int(actors), last_seq=seq,
            first_timestamp=None if first is None else from_micros(int(first)),
            last_timestamp=None if last is None else from_micros(int(last)),
        )  # fmt: skip

    def sessions_of(self, user_id: str) -> set[str]:
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT session_id FROM events WHERE actor = %s AND session_id IS NOT NULL",
                (f"user:{user_id}",),
            ).fetchall()
        return {str(session) for (session,) in rows}

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        actors = [f"user:{user_id}", *(f"session:{s}" for s in sorted(set(session_ids)))]
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM events WHERE actor = ANY(%s)", (actors,)).rowcount

    def purge_before(self, cutoff: datetime) -> int:
        return purge_older(self._db, "events", to_micros(cutoff))

    def close(self) -> None:
        self._owned.close()
