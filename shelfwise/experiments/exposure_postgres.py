"""PostgreSQL ExposureLog: the `exposures` table, idempotent by (experiment, request_id); each
`record` is one transaction, committed before it returns."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from shelfwise.experiments.exposure import Exposure, RecordOutcome
from shelfwise.storage.postgres import Owned, PgDatabase, purge_older
from shelfwise.store.durable_sqlite import from_micros, to_micros

_INSERT = (
    "INSERT INTO exposures(experiment, request_id, variant, unit_id, ts, surface) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (experiment, request_id) DO NOTHING RETURNING n"
)


class PostgresExposureLog:
    """Exposures in PostgreSQL; safe to share between threads and between processes."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def record(self, exposures: Sequence[Exposure]) -> list[RecordOutcome]:
        outcomes: list[RecordOutcome] = []
        if not exposures:
            return outcomes
        with self._db.transaction() as conn:
            for e in exposures:
                row = (e.experiment, e.request_id, e.variant, e.unit_id, to_micros(e.timestamp), e.surface)
                inserted = conn.execute(_INSERT, row).fetchone() is not None
                outcomes.append(RecordOutcome.RECORDED if inserted else RecordOutcome.DUPLICATE)
        return outcomes

    def exposures(self, experiment: str) -> list[Exposure]:
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT request_id, variant, unit_id, ts, surface FROM exposures "
                "WHERE experiment = %s ORDER BY ts, n",
                (experiment,),
            ).fetchall()
        return [
            Exposure(
                experiment=experiment,
                request_id=request_id,
                variant=variant,
                unit_id=unit_id,
                timestamp=from_micros(int(ts)),
                surface=surface,
            )  # fmt: skip
            for request_id, variant, unit_id, ts, surface in rows
        ]

    def count(self, experiment: str | None = None) -> int:
        with self._db.pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM exposures WHERE (%s::text IS NULL OR experiment = %s)",
                (experiment, experiment),
            ).fetchone()
        return int(row[0])  # type: ignore[index]

    def experiments(self) -> list[str]:
        with self._db.pool.connection() as conn:
            rows = conn.execute("SELECT DISTINCT experiment FROM exposures ORDER BY experiment").fetchall()
        return [str(name) for (name,) in rows]

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        units = sorted({user_id, *session_ids})
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM exposures WHERE unit_id = ANY(%s)", (units,)).rowcount

    def purge_before(self, cutoff: datetime) -> int:
        return purge_older(self._db, "exposures", to_micros(cutoff))

    def close(self) -> None:
        self._owned.close()
