"""The job queue (`base.py`: records and protocol; memory, SQLite and PostgreSQL backends), the
kinds of job a worker runs (`kinds.py`) and the worker loop (`worker.py`).

Import `open_job_queue` from here; the worker and the kinds from their modules (they import the
training code, which this package's users need not load)."""

from __future__ import annotations

from pathlib import Path

from shelfwise.jobs.base import FINISHED, STATES, Job, JobQueue, JobState
from shelfwise.jobs.memory import MemoryJobQueue
from shelfwise.jobs.sqlite import JOBS_FILE, SQLiteJobQueue
from shelfwise.storage.urls import Databases, folder_or_url, on_database

__all__ = [
    "FINISHED",
    "JOBS_FILE",
    "STATES",
    "Job",
    "JobQueue",
    "JobState",
    "MemoryJobQueue",
    "SQLiteJobQueue",
    "open_job_queue",
]


def open_job_queue(target: str | Path, databases: Databases | None = None) -> JobQueue:
    """A data folder (its `jobs.db`), `sqlite:///path/to/jobs.db`, `memory://` or
    `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = folder_or_url(target, JOBS_FILE, "job queue")
    if parsed.scheme == "memory":
        return MemoryJobQueue()
    if parsed.scheme == "postgresql":
        from shelfwise.jobs.postgres import PostgresJobQueue

        return PostgresJobQueue(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteJobQueue(parsed.path)
