"""The job queue in PostgreSQL (`jobs` and `job_log`, migration jobs/0001): every worker, server and
CLI on the database shares it; claims take the row `FOR UPDATE SKIP LOCKED`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from shelfwise.jobs.sql import Run, SqlJobQueue
from shelfwise.storage.postgres import Owned, PgDatabase


class _PgTransactions:
    skip_locked = "FOR UPDATE SKIP LOCKED"

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)

    def reads(self) -> bool:
        return True

    @contextmanager
    def transaction(self) -> Iterator[Run]:
        with self._owned.db.transaction() as conn:

            def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                cursor = conn.execute(sql.replace("?", "%s").encode(), tuple(params))
                return cursor.fetchall() if cursor.description is not None else []

            yield run

    def close(self) -> None:
        self._owned.close()


class PostgresJobQueue(SqlJobQueue):
    def __init__(self, database: str | PgDatabase) -> None:
        super().__init__(_PgTransactions(database))
