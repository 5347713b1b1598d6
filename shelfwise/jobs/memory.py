"""The in-memory job queue: one process's jobs (tests, and `memory://`)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from pydantic import JsonValue

from shelfwise.jobs.base import FINISHED, MAX_LINE, Job, JobState, check_progress, stale_message


class MemoryJobQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._logs: dict[int, list[str]] = {}
        self._last_id = 0  # ids are never reused, pruned or not

    def enqueue(self, kind: str, params: dict[str, JsonValue], at: datetime) -> Job:
        with self._lock:
            self._last_id += 1
            job = Job(job_id=self._last_id, kind=kind, params=dict(params), state="queued", created_at=at)
            self._jobs[job.job_id] = job
            self._logs[job.job_id] = []
            return job

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 50, state: JobState | None = None) -> list[Job]:
        with self._lock:
            found = [j for j in reversed(self._jobs.values()) if state is None or j.state == state]
        return found[:limit]

    def claim(self, worker: str, at: datetime) -> Job | None:
        with self._lock:
            job = next((j for j in self._jobs.values() if j.state == "queued"), None)
            if job is None:
                return None
            job = replace(job, state="running", worker=worker, started_at=at, heartbeat_at=at,
                          attempts=job.attempts + 1, progress=0.0, message="", error=None)  # fmt: skip
            self._jobs[job.job_id] = job
            return job

    def _owned(self, job_id: int, worker: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.state == "running" and job.worker == worker else None

    def heartbeat(self, job_id: int, worker: str, at: datetime, progress: float | None = None,
                  message: str | None = None) -> bool:  # fmt: skip
        check_progress(progress)
        with self._lock:
            job = self._owned(job_id, worker)
            if job is None:
                return False
            self._jobs[job_id] = replace(
                job, heartbeat_at=at, progress=job.progress if progress is None else progress,
                message=job.message if message is None else message,
            )  # fmt: skip
            return True

    def finish(self, job_id: int, worker: str, state: JobState, at: datetime, message: str = "",
               error: str | None = None) -> bool:  # fmt: skip
        if state not in ("done", "failed"):
            raise ValueError(f"a job finishes done or failed, not {state}")
        with self._lock:
            job = self._owned(job_id, worker)
            if job is None:
                return False
            self._jobs[job_id] = replace(job, state=state, finished_at=at, message=message, error=error,
                                         progress=1.0 if state == "done" else job.progress)  # fmt: skip
            return True

    def release(self, job_id: int, worker: str, at: datetime, message: str) -> bool:
        with self._lock:
            job = self._owned(job_id, worker)
            if job is None:
                return False
            self._jobs[job_id] = replace(job, state="queued", worker=None, message=message)
            return True

    def cancel(self, job_id: int, at: datetime) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.finished:
                return job
            job = self._jobs[job_id] = replace(job, state="cancelled", finished_at=at)
            return job

    def reap(self, stale_before: datetime, at: datetime, max_attempts: int) -> list[Job]:
        reaped = []
        with self._lock:
            for job in list(self._jobs.values()):
                if job.state != "running" or (job.heartbeat_at or job.created_at) >= stale_before:
                    continue
                reason = stale_message(job)
                if job.attempts < max_attempts:
                    job = replace(job, state="queued", worker=None, message=f"queued again: {reason}")
                else:
                    job = replace(job, state="failed", finished_at=at, error=reason)
                self._jobs[job.job_id] = job
                reaped.append(job)
        return reaped

    def prune(self, older_than: datetime) -> int:
        with self._lock:
            old = [j.job_id for j in self._jobs.values()
                   if j.state in FINISHED and (j.finished_at or j.created_at) < older_than]  # fmt: skip
            for job_id in old:
                del self._jobs[job_id], self._logs[job_id]
        return len(old)

    def append_log(self, job_id: int, lines: list[str], at: datetime) -> None:
        with self._lock:
            if job_id not in self._logs:
                raise LookupError(f"no job {job_id}")
            self._logs[job_id].extend(line[:MAX_LINE] for line in lines)

    def log_lines(self, job_id: int, limit: int | None = None) -> list[str]:
        with self._lock:
            lines = list(self._logs.get(job_id, []))
        return lines if limit is None else lines[-limit:]

    def close(self) -> None:
        return None
