"""The job queue's records and protocol: training work queued by the CLI and the admin console,
claimed and run by `shelfwise worker` processes.

A job is `queued`, then `running` (claimed by one worker, which sends heartbeats and progress),
then `done`, `failed` or `cancelled`. A claim is atomic in every backend: two workers never run
one job. A running job whose worker stopped sending heartbeats (it died) is put back in the queue
by the next worker's `reap`, or failed with a message saying so once it has been tried
`max_attempts` times: a job is never lost in `running`. Finished jobs and their logs are deleted
by `prune` once older than the shop's `jobs.keep_finished_days` (by the worker, at most hourly,
and `shelfwise jobs prune`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import JsonValue

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
STATES: tuple[JobState, ...] = ("queued", "running", "done", "failed", "cancelled")
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})
MAX_LINE = 2000  # characters of one log line kept


@dataclass(frozen=True)
class Job:
    job_id: int
    kind: str
    params: dict[str, JsonValue]
    state: JobState
    created_at: datetime
    progress: float = 0.0
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    worker: str | None = None
    error: str | None = None
    attempts: int = 0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def seconds(self, now: datetime) -> float:
        """How long it has run (0 while queued)."""
        if self.started_at is None:
            return 0.0
        return round(((self.finished_at or now) - self.started_at).total_seconds(), 1)


class JobQueue(Protocol):
    """Every backend: memory, SQLite (`jobs.db`), PostgreSQL (`jobs` and `job_log` tables)."""

    def enqueue(self, kind: str, params: dict[str, JsonValue], at: datetime) -> Job: ...

    def get(self, job_id: int) -> Job | None: ...

    def recent(self, limit: int = 50, state: JobState | None = None) -> list[Job]:
        """Newest first."""
        ...

    def claim(self, worker: str, at: datetime) -> Job | None:
        """The oldest queued job, now running under `worker` (None when none is queued)."""
        ...

    def heartbeat(
        self,
        job_id: int,
        worker: str,
        at: datetime,
        progress: float | None = None,
        message: str | None = None,
    ) -> bool:
        """Record that `worker` still runs the job (and its progress); False when it no longer
        owns it (cancelled, or reaped after missed heartbeats): the worker should stop."""
        ...

    def finish(
        self,
        job_id: int,
        worker: str,
        state: JobState,
        at: datetime,
        message: str = "",
        error: str | None = None,
    ) -> bool:
        """End a running job of `worker`'s as done or failed; False when it no longer owns it."""
        ...

    def release(self, job_id: int, worker: str, at: datetime, message: str) -> bool:
        """Put a running job of `worker`'s back in the queue (its worker is stopping)."""
        ...

    def cancel(self, job_id: int, at: datetime) -> Job | None:
        """A queued or running job becomes cancelled (a running one's worker stops at its next
        heartbeat); a finished one is left as it is. None for an unknown id."""
        ...

    def reap(self, stale_before: datetime, at: datetime, max_attempts: int) -> list[Job]:
        """Running jobs whose last heartbeat is older than `stale_before`: queued again while
        they have been tried fewer than `max_attempts` times, else failed with the reason."""
        ...

    def prune(self, older_than: datetime) -> int:
        """Delete the finished jobs (done, failed, cancelled) that finished before `older_than`,
        with their logs; queued and running jobs are never touched, and a deleted job's id is
        never handed out again. Returns how many jobs went."""
        ...

    def append_log(self, job_id: int, lines: list[str], at: datetime) -> None: ...

    def log_lines(self, job_id: int, limit: int | None = None) -> list[str]:
        """The job's log, oldest first (the last `limit` lines when given)."""
        ...

    def close(self) -> None: ...


def check_progress(progress: float | None) -> float | None:
    if progress is not None and not 0.0 <= progress <= 1.0:
        raise ValueError(f"job progress {progress} is not between 0 and 1")
    return progress


def stale_message(job: Job) -> str:
    """Why a reaped job failed or was queued again."""
    seen = job.heartbeat_at.isoformat() if job.heartbeat_at else "never"
    return (f"worker {job.worker} stopped sending heartbeats (last {seen}) while running attempt "
            f"{job.attempts}")  # fmt: skip
