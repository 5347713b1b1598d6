"""The job queue over SQL, one implementation for SQLite (`jobs.db` in the data folder) and
PostgreSQL (the `jobs` and `job_log` tables of migration jobs/0001): the statements are written once
with `?` and run by a backend's `Transactions`.

A claim is one `UPDATE ... WHERE job_id = (SELECT ... LIMIT 1) RETURNING`: SQLite runs it under
its write lock, PostgreSQL's subquery takes the row `FOR UPDATE SKIP LOCKED`, so two workers
claiming at once get two different jobs (or one gets none), never the same one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, cast

from pydantic import JsonValue

from shelfwise.jobs.base import MAX_LINE, Job, JobState, check_progress, stale_message
from shelfwise.store.durable_sqlite import from_micros, to_micros

Run = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
_COLUMNS = ("job_id, kind, params, state, progress, message, created_at, started_at, finished_at, "
            "heartbeat_at, worker, error, attempts")  # fmt: skip


class Transactions(Protocol):
    """A backend's way to run statements: `transaction()` yields `run(sql, params) -> rows` inside
    one transaction (committed on a clean exit); `skip_locked` is PostgreSQL's row-lock clause."""

    skip_locked: str

    def transaction(self) -> AbstractContextManager[Run]: ...

    def reads(self) -> bool:
        """False while nothing was ever stored (SQLite: no file yet): reads find nothing."""
        ...

    def close(self) -> None: ...


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(int(micros))


def _job(row: tuple[Any, ...]) -> Job:
    job_id, kind, params, state, progress, message, created, started, finished, beat, worker, error, tries = (
        row
    )
    return Job(
        job_id=int(job_id), kind=kind, params=json.loads(params), state=cast(JobState, state),
        created_at=from_micros(int(created)), progress=float(progress), message=message,
        started_at=_moment(started), finished_at=_moment(finished), heartbeat_at=_moment(beat),
        worker=worker, error=error, attempts=int(tries),
    )  # fmt: skip


class SqlJobQueue:
    def __init__(self, backend: Transactions) -> None:
        self._backend = backend

    def _one(self, sql: str, params: Sequence[Any]) -> Job | None:
        with self._backend.transaction() as run:
            rows = run(sql, params)
        return _job(rows[0]) if rows else None

    def enqueue(self, kind: str, params: dict[str, JsonValue], at: datetime) -> Job:
        found = self._one(
            "INSERT INTO jobs(kind, params, state, created_at) VALUES (?, ?, 'queued', ?) "
            f"RETURNING {_COLUMNS}",
            (kind, json.dumps(params, sort_keys=True), to_micros(at)),
        )
        assert found is not None
        return found

    def get(self, job_id: int) -> Job | None:
        if not self._backend.reads():
            return None
        return self._one(f"SELECT {_COLUMNS} FROM jobs WHERE job_id = ?", (job_id,))

    def recent(self, limit: int = 50, state: JobState | None = None) -> list[Job]:
        if not self._backend.reads():
            return []
        where, params = ("WHERE state = ?", (state, limit)) if state else ("", (limit,))
        with self._backend.transaction() as run:
            rows = run(f"SELECT {_COLUMNS} FROM jobs {where} ORDER BY job_id DESC LIMIT ?", params)
        return [_job(row) for row in rows]

    def claim(self, worker: str, at: datetime) -> Job | None:
        moment = to_micros(at)
        return self._one(
            "UPDATE jobs SET state = 'running', worker = ?, started_at = ?, heartbeat_at = ?, "
            "attempts = attempts + 1, progress = 0, message = '', error = NULL "
            "WHERE state = 'queued' AND job_id = (SELECT job_id FROM jobs WHERE state = 'queued' "
            f"ORDER BY job_id LIMIT 1 {self._backend.skip_locked}) RETURNING {_COLUMNS}",
            (worker, moment, moment),
        )

    def heartbeat(self, job_id: int, worker: str, at: datetime, progress: float | None = None,
                  message: str | None = None) -> bool:  # fmt: skip
        check_progress(progress)
        with self._backend.transaction() as run:
            rows = run(
                "UPDATE jobs SET heartbeat_at = ?, progress = COALESCE(?, progress), "
                "message = COALESCE(?, message) WHERE job_id = ? AND state = 'running' AND worker = ? "
                "RETURNING job_id",
                (to_micros(at), progress, None if message is None else message[:MAX_LINE], job_id, worker),
            )
        return bool(rows)

    def finish(self, job_id: int, worker: str, state: JobState, at: datetime, message: str = "",
               error: str | None = None) -> bool:  # fmt: skip
        if state not in ("done", "failed"):
            raise ValueError(f"a job finishes done or failed, not {state}")
        with self._backend.transaction() as run:
            rows = run(
                "UPDATE jobs SET state = ?, finished_at = ?, message = ?, error = ?, "
                "progress = CASE WHEN ? = 'done' THEN 1.0 ELSE progress END "
                "WHERE job_id = ? AND state = 'running' AND worker = ? RETURNING job_id",
                (state, to_micros(at), message[:MAX_LINE], error, state, job_id, worker),
            )
        return bool(rows)

    def release(self, job_id: int, worker: str, at: datetime, message: str) -> bool:
        with self._backend.transaction() as run:
            rows = run(
                "UPDATE jobs SET state = 'queued', worker = NULL, message = ? "
                "WHERE job_id = ? AND state = 'running' AND worker = ? RETURNING job_id",
                (message[:MAX_LINE], job_id, worker),
            )
        return bool(rows)

    def cancel(self, job_id: int, at: datetime) -> Job | None:
        self._one(
            "UPDATE jobs SET state = 'cancelled', finished_at = ? "
            f"WHERE job_id = ? AND state IN ('queued', 'running') RETURNING {_COLUMNS}",
            (to_micros(at), job_id),
        )
        return self.get(job_id)

    def reap(self, stale_before: datetime, at: datetime, max_attempts: int) -> list[Job]:
        reaped: list[Job] = []
        with self._backend.transaction() as run:
            stale = run(
                f"SELECT {_COLUMNS} FROM jobs WHERE state = 'running' AND "
                f"COALESCE(heartbeat_at, created_at) < ? ORDER BY job_id {self._backend.skip_locked}",
                (to_micros(stale_before),),
            )
            for job in map(_job, stale):
                reason = stale_message(job)
                params: tuple[object, ...]
                if job.attempts < max_attempts:
                    sql = "UPDATE jobs SET state = 'queued', worker = NULL, message = ? "
                    params = (f"queued again: {reason}",)
                else:
                    sql = "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? "
                    params = (to_micros(at), reason)
                rows = run(
                    sql + f"WHERE job_id = ? AND state = 'running' RETURNING {_COLUMNS}",
                    (*params, job.job_id),
                )
                reaped.extend(_job(row) for row in rows)
        return reaped

    def prune(self, older_than: datetime) -> int:
        if not self._backend.reads():
            return 0
        old = "state IN ('done', 'failed', 'cancelled') AND COALESCE(finished_at, created_at) < ?"
        with self._backend.transaction() as run:
            # the logs first (PostgreSQL's foreign key would delete them too; SQLite's table has none)
            run(
                f"DELETE FROM job_log WHERE job_id IN (SELECT job_id FROM jobs WHERE {old})",
                (to_micros(older_than),),
            )
            gone = run(f"DELETE FROM jobs WHERE {old} RETURNING job_id", (to_micros(older_than),))
        return len(gone)

    def append_log(self, job_id: int, lines: list[str], at: datetime) -> None:
        with self._backend.transaction() as run:
            if not run("SELECT job_id FROM jobs WHERE job_id = ?", (job_id,)):
                raise LookupError(f"no job {job_id}")
            for line in lines:
                run(
                    "INSERT INTO job_log(job_id, ts, line) VALUES (?, ?, ?)",
                    (job_id, to_micros(at), line[:MAX_LINE]),
                )

    def log_lines(self, job_id: int, limit: int | None = None) -> list[str]:
        if not self._backend.reads():
            return []
        with self._backend.transaction() as run:
            if limit is None:
                rows = run("SELECT line FROM job_log WHERE job_id = ? ORDER BY seq", (job_id,))
            else:
                rows = run(
                    "SELECT line FROM job_log WHERE job_id = ? ORDER BY seq DESC LIMIT ?", (job_id, limit)
                )
                rows.reverse()
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        self._backend.close()
