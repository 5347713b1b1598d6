"""Jobs started from the admin console. A full index rebuild or retraining the recommender is
queued in the shop's job queue and run by a worker process (`shelfwise worker`, or the one
`shelfwise serve` starts): the web process never trains. Serving another kept index, recommender
or ranking-model version is no training: it is done here at once (publish, then load it: an
atomic swap).

The page shows the newest console job (queued, running with its progress, or finished with its
outcome or error and its log) and the queue. When a job has finished, the page's process loads
what it published before answering, so the admin sees the new version at once; every server
process loads it by itself within `serve.catch_up_seconds`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from shelfwise.index import IndexVersions
from shelfwise.jobs import Job
from shelfwise.recommend.recommender import DEFAULT_CHANNELS
from shelfwise.shop_server import ShopServer

__all__ = ["DEFAULT_CHANNELS", "AdminJobs", "JobView"]
CONSOLE_KINDS = {"rebuild-index": "rebuild", "train-recommender": "retrain"}
LOG_LINES = 30


@dataclass(frozen=True)
class JobView:
    """What the page shows of a job: `kind` is rebuild, retrain or swap."""

    kind: str
    started: float
    running: bool
    stage: str = ""
    progress: float | None = None
    seconds: float = 0.0
    outcome: str = ""
    error: str = ""
    job_id: int | None = None
    log: tuple[str, ...] = ()


def _view(job: Job, log: list[str]) -> JobView:
    now = datetime.now(UTC)
    if job.state == "queued":
        stage = job.message or "queued, waiting for a worker (`shelfwise worker`)"
    else:
        stage = job.message or "starting"
    return JobView(
        kind=CONSOLE_KINDS.get(job.kind, job.kind), started=job.created_at.timestamp(),
        running=not job.finished, stage=stage, progress=job.progress if job.state == "running" else None,
        seconds=job.seconds(now), outcome=job.message if job.state == "done" else "",
        error=job.error or ("cancelled" if job.state == "cancelled" else ""), job_id=job.job_id,
        log=tuple(log),
    )  # fmt: skip


class AdminJobs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local: JobView | None = None  # a swap, or a request refused before it was queued
        self._applied = 0  # the newest finished job this process has loaded the artifacts of

    def _latest(self, shelfwise: ShopServer) -> Job | None:
        return next((j for j in shelfwise.data.jobs.recent(20) if j.kind in CONSOLE_KINDS), None)

    def state(self, shelfwise: ShopServer) -> JobView | None:
        """The newest console job: the queued one's state, or this process's swap."""
        job = self._latest(shelfwise)
        with self._lock:
            local = self._local
        if job is None or (local is not None and local.started >= job.created_at.timestamp()):
            return local
        if job.state == "done" and job.job_id > self._applied:
            shelfwise.catch_up()  # serve what the worker published before showing "serving ..."
            self._applied = job.job_id
        return _view(job, shelfwise.data.jobs.log_lines(job.job_id, LOG_LINES))

    def queue(self, shelfwise: ShopServer, limit: int = 10) -> list[Job]:
        return shelfwise.data.jobs.recent(limit)

    def _busy(self, shelfwise: ShopServer) -> bool:
        job = self._latest(shelfwise)
        return job is not None and not job.finished

    def _enqueue(self, shelfwise: ShopServer, kind: str, params: dict[str, str]) -> bool:
        if self._busy(shelfwise):
            return False
        shelfwise.data.jobs.enqueue(kind, dict(params), datetime.now(UTC))
        return True

    def _done_here(self, kind: str, outcome: str = "", error: str = "") -> None:
        now = time.time()
        with self._lock:
            self._local = JobView(kind=kind, started=now, running=False, outcome=outcome, error=error)

    def cancel(self, shelfwise: ShopServer, job_id: int) -> None:
        """Cancel a queued job, or stop a running one at its next progress report."""
        shelfwise.data.jobs.cancel(job_id, datetime.now(UTC))

    def start_rebuild(self, shelfwise: ShopServer) -> bool:
        """Queue a build of a new version from the whole catalog; False when a console job waits
        or runs (it is shown instead)."""
        return self._enqueue(shelfwise, "rebuild-index", {})

    def start_retrain(self, shelfwise: ShopServer, channels: str) -> bool:
        """Queue fitting the recommender on every stored event with `channels` (comma-separated);
        an unknown channel is refused here, before anything is queued."""
        from shelfwise.recommend import recommender_config

        try:
            recommender_config(channels or DEFAULT_CHANNELS)
        except ValueError as error:  # an unknown channel
            self._done_here("retrain", error=str(error))
            return False
        return self._enqueue(shelfwise, "train-recommender", {"channels": channels or DEFAULT_CHANNELS})

    def serve_version(self, shelfwise: ShopServer, version: str) -> bool:
        """Publish a kept version and load it at once (searches switch atomically)."""
        if self._busy(shelfwise):
            return False
        try:
            IndexVersions(shelfwise.settings.index_root).publish(version)
            shelfwise.catch_up()
        except (OSError, ValueError) as error:
            self._done_here("swap", error=str(error))
            return True
        self._done_here("swap", outcome=f"serving {shelfwise.engine.version}")
        return True

    def serve_model(self, shelfwise: ShopServer, kind: str, version: str) -> bool:
        """Publish a kept recommender or ranking-model version and serve it from this process."""
        if self._busy(shelfwise):
            return False
        try:
            shelfwise.serve_model_version(kind, version)
        except (OSError, ValueError, LookupError) as error:  # LookupError: a version it cannot read
            self._done_here("swap", error=str(error))
            return True
        self._done_here("swap", outcome=f"serving {kind} {version}")
        return True
