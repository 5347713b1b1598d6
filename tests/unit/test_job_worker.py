"""The worker loop over a queue: it runs what it claims with progress and a log, fails a job that
raises (and goes on), puts its job back when asked to stop, stops a cancelled job, and runs again
a job whose worker died. Job kinds here are small functions; the real ones run in
tests/e2e/test_jobs_worker.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import JsonValue

from shelfwise.config import Settings
from shelfwise.jobs import MemoryJobQueue
from shelfwise.worker.kinds import JobContext, JobKind, check_params, job_kinds
from shelfwise.worker.loop import Worker, WorkerConfig, settings_payload, worker_child

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _counting(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    for i in range(4):
        context.progress((i + 1) / 4, f"step {i + 1} / 4")
        context.log(f"did step {i + 1}")
    return f"counted to {params.get('to', 4)}"


def _broken(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    context.log("about to fail")
    raise RuntimeError("the disk is on fire")


def _worker(queue: MemoryJobQueue, tmp_path: Path, **kinds: JobKind) -> Worker:
    every = {
        "count": JobKind("count", _counting, "counts"),
        "broken": JobKind("broken", _broken, "fails"),
        **kinds,
    }
    return Worker(Settings(data_dir=tmp_path), queue, WorkerConfig(progress_seconds=0), every, name="w1")


def test_a_worker_runs_jobs_in_order_with_progress_and_log(tmp_path: Path) -> None:
    queue = MemoryJobQueue()
    first = queue.enqueue("count", {"to": 4}, NOW)
    second = queue.enqueue("broken", {}, NOW)
    third = queue.enqueue("who-knows", {}, NOW)
    assert _worker(queue, tmp_path).run(max_jobs=3) == 3
    done = queue.get(first.job_id)
    assert (
        done is not None and done.state == "done" and done.message == "counted to 4" and done.progress == 1.0
    )
    assert queue.log_lines(first.job_id) == [
        "did step 1",
        "did step 2",
        "did step 3",
        "did step 4",
        "counted to 4",
    ]
    failed = queue.get(second.job_id)
    assert failed is not None and failed.state == "failed"
    assert failed.error == "RuntimeError: the disk is on fire"
    assert queue.log_lines(second.job_id)[-1] == "failed: RuntimeError: the disk is on fire"
    unknown = queue.get(third.job_id)
    assert unknown is not None and "runs no job kind 'who-knows'" in (unknown.error or "")


def test_once_runs_at_most_one_job_and_never_waits(tmp_path: Path) -> None:
    queue = MemoryJobQueue()
    worker = _worker(queue, tmp_path)
    assert worker.run(once=True) == 0
    for _ in range(2):
        queue.enqueue("count", {}, NOW)
    assert worker.run(once=True) == 1
    assert [j.state for j in queue.recent()] == ["queued", "done"]


def test_a_stopping_worker_puts_its_job_back_in_the_queue(tmp_path: Path) -> None:
    queue = MemoryJobQueue()
    holder: list[Worker] = []

    def interrupted(context: JobContext, params: Mapping[str, JsonValue]) -> str:
        holder[0].stop()  # SIGTERM arrives while the job runs
        context.log("still going")
        return "never"

    worker = _worker(queue, tmp_path, slow=JobKind("slow", interrupted, "stops"))
    holder.append(worker)
    job = queue.enqueue("slow", {}, NOW)
    queue.enqueue("count", {}, NOW)
    assert worker.run() == 1  # it stopped after putting the job back, claiming nothing more
    back = queue.get(job.job_id)
    assert back is not None and back.state == "queued" and "worker w1 stopped" in back.message
    assert [j.state for j in queue.recent()] == ["queued", "queued"]


def test_a_cancelled_job_stops_at_its_next_report(tmp_path: Path) -> None:
    queue = MemoryJobQueue()
    reached: list[int] = []

    def cancelled_midway(context: JobContext, params: Mapping[str, JsonValue]) -> str:
        queue.cancel(1, NOW)  # `shelfwise jobs cancel 1` from elsewhere
        context.progress(0.5, "half way")  # the heartbeat learns it, the next report stops the job
        reached.append(1)
        context.progress(0.6, "on")
        reached.append(2)
        return "never"

    worker = _worker(queue, tmp_path, long=JobKind("long", cancelled_midway, "cancelled"))
    queue.enqueue("long", {}, NOW)
    assert worker.run(once=True) == 1
    job = queue.get(1)
    assert job is not None and job.state == "cancelled" and reached == [1]


def test_a_job_whose_worker_died_runs_again(tmp_path: Path) -> None:
    queue = MemoryJobQueue()
    job = queue.enqueue("count", {}, NOW)
    queue.claim("dead", NOW)  # that worker was killed: no more heartbeats
    later = NOW + timedelta(minutes=5)
    kinds = {"count": JobKind("count", _counting, "counts")}
    settings = Settings(data_dir=tmp_path)
    worker = Worker(settings, queue, WorkerConfig(stale_seconds=60), kinds, "w2", lambda: later)
    assert worker.run(once=True) == 1
    done = queue.get(job.job_id)
    assert done is not None and done.state == "done" and done.worker == "w2" and done.attempts == 2


def test_jobs_that_cannot_run_are_refused_when_queued(tmp_path: Path) -> None:
    kinds = job_kinds()
    check_params(kinds, "train-recommender", {"channels": "cooccurrence,popularity", "seed": 3})
    with pytest.raises(ValueError, match="no job kind 'retrain'"):
        check_params(kinds, "retrain", {})
    with pytest.raises(ValueError, match="has no parameter colour"):
        check_params(kinds, "rebuild-index", {"colour": "red"})
    with pytest.raises(ValueError, match="needs judgments"):
        check_params(kinds, "train-reranker", {"products": str(tmp_path)})
    with pytest.raises(ValueError, match="products file .* does not exist"):
        check_params(kinds, "train-encoder", {"products": str(tmp_path / "no.tsv"), "judgments": "j.tsv"})
    with pytest.raises(ValueError, match="telepathy"):
        check_params(kinds, "train-recommender", {"channels": "telepathy"})


def test_the_worker_child_gets_the_servers_settings_secrets_included(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"data_dir": tmp_path, "encoder": {"name": "hashing"}, "serve": {"api_key": "k-123"},
         "privacy": {"pseudonymize_key": "p-456"}, "jobs_url": "memory://"}
    )  # fmt: skip
    copied = Settings.model_validate_json(settings_payload(settings))
    assert copied == settings and copied.privacy.pseudonymize_key is not None
    assert copied.privacy.pseudonymize_key.get_secret_value() == "p-456"


def test_the_servers_worker_child_is_stopped_with_the_server(tmp_path: Path) -> None:
    with worker_child(Settings(data_dir=tmp_path)) as pid:
        assert pid is not None
        os.kill(pid, 0)  # alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with worker_child(Settings(data_dir=tmp_path), enabled=False) as none:
        assert none is None


def test_a_signal_that_ends_the_server_stops_its_worker_child_first(tmp_path: Path) -> None:
    """uvicorn re-raises SIGTERM after its shutdown: the process ends before the `with` block's
    exit would run, so the signal itself must stop the child."""
    script = (
        "import signal, time\n"
        "from shelfwise.config import Settings\n"
        "from shelfwise.worker.loop import worker_child\n"
        f"with worker_child(Settings(data_dir={str(tmp_path)!r})) as pid:\n"
        "    print(pid, flush=True)\n"
        "    signal.raise_signal(signal.SIGTERM)\n"
        "    time.sleep(60)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGTERM, done.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(int(done.stdout.split()[0]), 0)


def _done_at(queue: MemoryJobQueue, at: datetime) -> int:
    job = queue.enqueue("count", {}, at)
    queue.claim("someone", at)
    queue.finish(job.job_id, "someone", "done", at)
    return job.job_id


def test_the_worker_prunes_finished_jobs_past_the_setting_at_most_once_an_hour(tmp_path: Path) -> None:
    queue, now = MemoryJobQueue(), [NOW]
    settings = Settings(data_dir=tmp_path, jobs={"keep_finished_days": 10})  # type: ignore[arg-type]
    worker = Worker(settings, queue, kinds={}, name="w1", clock=lambda: now[0])
    oldest, recent = _done_at(queue, NOW - timedelta(days=20)), _done_at(queue, NOW - timedelta(days=5))
    assert worker.run_one() is None and queue.get(oldest) is None and queue.get(recent) is not None
    later = _done_at(queue, NOW - timedelta(days=15))
    now[0] = NOW + timedelta(minutes=59)
    assert worker.run_one() is None and queue.get(later) is not None  # pruned less than an hour ago
    now[0] = NOW + timedelta(minutes=61)
    assert worker.run_one() is None and queue.get(later) is None and queue.get(recent) is not None


def test_a_worker_keeps_finished_jobs_when_the_setting_is_off(tmp_path: Path) -> None:
    queue = MemoryJobQueue()
    settings = Settings(data_dir=tmp_path, jobs={"keep_finished_days": None})  # type: ignore[arg-type]
    old = _done_at(queue, NOW - timedelta(days=400))
    assert Worker(settings, queue, kinds={}, name="w1").run_one() is None and queue.get(old) is not None
