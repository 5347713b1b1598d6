"""`shelfwise worker`: claims queued jobs one at a time and runs them (worker/kinds.py), with a
heartbeat thread, progress and the job's log written to the queue.

Before each claim the worker reaps jobs whose worker died (no heartbeat for `stale_seconds`):
they are queued again, or failed with the reason after `max_attempts`. At most once every
`prune_every_seconds` it also deletes finished jobs older than `prune_after` with their logs
(the shop's `jobs.keep_finished_days`, 30 by default). A job that raises is
failed with its error (the artifacts it did not publish never serve). Asked to stop (SIGTERM or
SIGINT, by `stop()`), the worker stops its job at the job's next log line or progress report and
puts it back in the queue, so another worker runs it from the start.

`worker_child` is the one worker `shelfwise serve` starts beside the server by default.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from shelfwise.config import Settings
from shelfwise.jobs.base import Job, JobQueue
from shelfwise.worker.kinds import JobCancelled, JobContext, JobKind, describe_error, job_kinds

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class WorkerConfig:
    heartbeat_seconds: float = 5.0
    stale_seconds: float = 120.0  # a running job without a heartbeat this long: its worker died
    max_attempts: int = 2
    poll_seconds: float = 1.0  # how often an idle worker looks for a job
    progress_seconds: float = 0.5  # progress written at most this often (the last one always)
    prune_after: timedelta | None = timedelta(days=30)  # finished jobs older than this go; None: kept
    prune_every_seconds: float = 3600.0


def worker_config(settings: Settings) -> WorkerConfig:
    """The defaults, with the shop's setting for how long finished jobs are kept."""
    days = settings.jobs.keep_finished_days
    return WorkerConfig(prune_after=None if days is None else timedelta(days=days))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    def __init__(
        self,
        settings: Settings,
        queue: JobQueue,
        config: WorkerConfig | None = None,
        kinds: Mapping[str, JobKind] | None = None,
        name: str | None = None,
        clock: Clock = _now,
    ) -> None:
        self.settings, self.queue = settings, queue
        self.config = config or worker_config(settings)
        self._kinds = kinds  # by default loaded with the first job: an idle worker imports no training code
        self.name = name or worker_id()
        self._clock = clock
        self._stop = threading.Event()
        self._pruned_at: datetime | None = None

    @property
    def kinds(self) -> Mapping[str, JobKind]:
        if self._kinds is None:
            self._kinds = job_kinds()
        return self._kinds

    def stop(self) -> None:
        """Stop claiming; the running job stops at its next log line or progress report."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, once: bool = False, max_jobs: int | None = None) -> int:
        """Run jobs until stopped; `once`: at most one, and only if one is queued now;
        `max_jobs`: stop after that many. Returns how many jobs ran."""
        ran = 0
        logger.info("worker %s: waiting for jobs", self.name)
        while not self._stop.is_set() and (max_jobs is None or ran < max_jobs):
            job = self.run_one()
            if job is not None:
                ran += 1
            if once:
                break
            if job is None:
                self._stop.wait(self.config.poll_seconds)
        return ran

    def run_one(self) -> Job | None:
        """Reap dead workers' jobs, claim the oldest queued one and run it; None when none waits."""
        now = self._clock()
        self._prune(now)
        for reaped in self.queue.reap(now - timedelta(seconds=self.config.stale_seconds), now,
                                      self.config.max_attempts):  # fmt: skip
            logger.warning("job %d (%s) %s: %s", reaped.job_id, reaped.kind, reaped.state,
                           reaped.error or reaped.message)  # fmt: skip
        job = self.queue.claim(self.name, self._clock())
        if job is None:
            return None
        logger.info("job %d (%s) claimed by %s", job.job_id, job.kind, self.name)
        self._execute(job)
        return self.queue.get(job.job_id)

    def _prune(self, now: datetime) -> None:
        """Delete finished jobs older than `prune_after`, at most once every `prune_every_seconds`."""
        after, every = self.config.prune_after, timedelta(seconds=self.config.prune_every_seconds)
        if after is None or (self._pruned_at is not None and now - self._pruned_at < every):
            return
        self._pruned_at = now
        pruned = self.queue.prune(now - after)
        if pruned:
            logger.info("pruned %d finished job%s older than %s", pruned, "s" * (pruned != 1), after)

    def _execute(self, job: Job) -> None:
        lost = threading.Event()  # cancelled, or reaped: this worker no longer owns the job
        beating = threading.Event()
        heart = threading.Thread(
            target=self._beat, args=(job, lost, beating), name=f"job-{job.job_id}-heartbeat", daemon=True
        )
        heart.start()
        try:
            outcome = self._run_kind(job, lost)
        except JobCancelled:
            self._after_stop(job, lost)
        except Exception as error:  # the job fails; the worker goes on with the next one
            logger.exception("job %d (%s) failed", job.job_id, job.kind)
            self._log(job, [f"failed: {describe_error(error)}"])
            self.queue.finish(job.job_id, self.name, "failed", self._clock(), error=describe_error(error))
        else:
            self._log(job, [outcome])
            if not self.queue.finish(job.job_id, self.name, "done", self._clock(), outcome):
                logger.warning("job %d finished after it was cancelled or reaped", job.job_id)
        finally:
            beating.set()
            heart.join()

    def _run_kind(self, job: Job, lost: threading.Event) -> str:
        kind = self.kinds.get(job.kind)
        if kind is None:
            raise ValueError(f"this worker runs no job kind '{job.kind}'")
        last = [0.0]

        def check() -> None:
            if lost.is_set() or self._stop.is_set():
                raise JobCancelled(job.job_id)

        def log(line: str) -> None:
            check()
            self._log(job, [line])

        def progress(fraction: float, message: str) -> None:
            check()
            now = time.monotonic()
            if fraction < 1.0 and now - last[0] < self.config.progress_seconds:
                return
            last[0] = now
            if not self.queue.heartbeat(job.job_id, self.name, self._clock(), fraction, message):
                lost.set()

        return kind.run(JobContext(self.settings, log, progress), job.params)

    def _after_stop(self, job: Job, lost: threading.Event) -> None:
        if lost.is_set():
            logger.info("job %d stopped: cancelled or taken back from this worker", job.job_id)
            return
        self._log(job, [f"worker {self.name} stopped; the job is queued again"])
        self.queue.release(job.job_id, self.name, self._clock(), f"queued again: worker {self.name} stopped")

    def _beat(self, job: Job, lost: threading.Event, done: threading.Event) -> None:
        while not done.wait(self.config.heartbeat_seconds):
            try:
                if not self.queue.heartbeat(job.job_id, self.name, self._clock()):
                    lost.set()
            except Exception:  # a database hiccup: the next beat retries
                logger.exception("heartbeat of job %d failed", job.job_id)

    def _log(self, job: Job, lines: list[str]) -> None:
        logger.info("job %d: %s", job.job_id, " | ".join(lines))
        self.queue.append_log(job.job_id, lines, self._clock())


def run_worker(settings: Settings, once: bool = False, max_jobs: int | None = None,
               config: WorkerConfig | None = None) -> int:  # fmt: skip
    """A worker over the shop's job queue (opened from `settings`); returns the jobs it ran."""
    from shelfwise.shop_data import ShopData

    with ShopData.open(settings) as data:
        return Worker(settings, data.jobs, config).run(once=once, max_jobs=max_jobs)


def settings_payload(settings: Settings) -> str:
    """The settings as JSON for a child process, secrets included (`model_dump_json` masks
    them); `Settings.model_validate_json` reads it back."""

    def plain(value: object) -> object:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [plain(item) for item in value]
        return value

    return json.dumps(plain(settings.model_dump(mode="python")), default=str)


def _child_main(settings_json: str, parent_pid: int) -> None:
    """The worker child of `shelfwise serve`: stops cleanly on SIGTERM, and by itself when the
    server is gone (killed with SIGKILL, it could not stop its child)."""
    from shelfwise.shop_data import ShopData

    logging.basicConfig(level=logging.INFO)
    settings = Settings.model_validate_json(settings_json)
    with ShopData.open(settings) as data:
        worker = Worker(settings, data.jobs)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        threading.Thread(target=_stop_when_orphaned, args=(worker, parent_pid), daemon=True).start()
        worker.run()


def _stop_when_orphaned(worker: Worker, parent_pid: int, every_seconds: float = 1.0) -> None:
    while not worker.stopping:
        if os.getppid() != parent_pid:
            logger.warning("the server (pid %d) is gone: the worker stops", parent_pid)
            worker.stop()
            return
        time.sleep(every_seconds)


@contextlib.contextmanager
def worker_child(
    settings: Settings, enabled: bool = True, stop_seconds: float = 30.0
) -> Iterator[int | None]:
    """Start one worker process for the server's data folder (its pid; None when not `enabled`);
    on exit, or on SIGTERM/SIGINT (uvicorn re-raises the signal after its shutdown, which would
    end this process before the block's exit), stop it by its pid: SIGTERM, then SIGKILL after
    `stop_seconds`."""
    if not enabled:
        yield None
        return
    process = multiprocessing.get_context("spawn").Process(
        target=_child_main,
        args=(settings_payload(settings), os.getpid()),
        name="shelfwise-worker",
        daemon=False,
    )
    process.start()
    logger.info("worker process %s started: the admin console's jobs run there", process.pid)

    def stop_child() -> None:
        if process.exitcode is None:
            process.terminate()  # SIGTERM to its pid
            process.join(stop_seconds)
        if process.exitcode is None:
            process.kill()
            process.join()

    previous = _on_stop_signals(stop_child)
    try:
        yield process.pid
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        stop_child()


def _on_stop_signals(action: Callable[[], None]) -> dict[int, Any]:
    """Run `action` first when SIGTERM or SIGINT arrives, then what handled the signal before;
    the previous handlers (to restore). Nothing outside the main thread (signals go there)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        action()
        signal.signal(signum, previous[signum])
        signal.raise_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)
    return previous
