"""Contract suite every JobQueue backend must pass (memory, SQLite, PostgreSQL): jobs keep what was
queued, a claim is atomic (two workers never run one job), only the owning worker reports on a
job, and a job whose worker died is queued again or failed with the reason, never lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.jobs import JobQueue, MemoryJobQueue, open_job_queue

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
Opener = Callable[[], JobQueue]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens another handle on the same queue (another process's, for SQLite and PostgreSQL)."""
    opened: list[JobQueue] = []
    shared = MemoryJobQueue()
    target = request.getfixturevalue("postgres_url") if request.param == "postgresql" else str(tmp_path)

    def open_one() -> JobQueue:
        queue = shared if request.param == "memory" else open_job_queue(target)
        opened.append(queue)
        return queue

    yield open_one
    for queue in opened:
        queue.close()


@pytest.fixture
def queue(opener: Opener) -> JobQueue:
    return opener()


def test_a_queued_job_comes_back_as_it_went_in(queue: JobQueue) -> None:
    job = queue.enqueue("train-recommender", {"channels": "popularity", "seed": 3}, NOW)
    assert job.state == "queued" and job.progress == 0.0 and job.attempts == 0 and job.worker is None
    assert queue.get(job.job_id) == job
    assert job.params == {"channels": "popularity", "seed": 3} and job.created_at == NOW
    assert queue.get(job.job_id + 1000) is None


def test_jobs_are_listed_newest_first_and_by_state(queue: JobQueue) -> None:
    ids = [queue.enqueue("rebuild-index", {}, NOW + timedelta(seconds=i)).job_id for i in range(3)]
    assert [j.job_id for j in queue.recent()] == ids[::-1]
    assert [j.job_id for j in queue.recent(limit=2)] == ids[:0:-1]
    claimed = queue.claim("w1", NOW)
    assert claimed is not None and claimed.job_id == ids[0]  # the oldest first
    assert [j.job_id for j in queue.recent(state="running")] == [ids[0]]
    assert [j.job_id for j in queue.recent(state="queued")] == ids[:0:-1]


def test_a_claimed_job_runs_under_its_worker_until_it_finishes(queue: JobQueue) -> None:
    assert queue.claim("w1", NOW) is None
    job = queue.enqueue("rebuild-index", {}, NOW)
    claimed = queue.claim("w1", NOW + timedelta(seconds=1))
    assert claimed is not None and claimed.state == "running" and claimed.worker == "w1"
    assert claimed.attempts == 1 and claimed.started_at == NOW + timedelta(seconds=1)
    assert queue.claim("w2", NOW) is None
    assert queue.heartbeat(job.job_id, "w1", NOW + timedelta(seconds=2), 0.5, "encode 10 / 20")
    assert not queue.heartbeat(job.job_id, "w2", NOW + timedelta(seconds=2), 0.9, "not mine")
    seen = queue.get(job.job_id)
    assert seen is not None and seen.progress == 0.5 and seen.message == "encode 10 / 20"
    assert seen.heartbeat_at == NOW + timedelta(seconds=2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        queue.heartbeat(job.job_id, "w1", NOW, 1.5)
    assert not queue.finish(job.job_id, "w2", "done", NOW)
    assert queue.finish(job.job_id, "w1", "done", NOW + timedelta(seconds=5), "serving v2")
    done = queue.get(job.job_id)
    assert done is not None and done.state == "done" and done.progress == 1.0 and done.message == "serving v2"
    assert done.finished and done.seconds(NOW) == 4.0
    assert not queue.finish(job.job_id, "w1", "failed", NOW)  # finished once


def test_a_failed_job_keeps_its_error(queue: JobQueue) -> None:
    job = queue.enqueue("train-recommender", {"channels": "telepathy"}, NOW)
    queue.claim("w1", NOW)
    assert queue.finish(job.job_id, "w1", "failed", NOW, error="ValueError: unknown channel 'telepathy'")
    failed = queue.get(job.job_id)
    assert failed is not None and failed.state == "failed" and "telepathy" in (failed.error or "")


def test_two_workers_never_claim_one_job(opener: Opener) -> None:
    first, second = opener(), opener()
    ids = {first.enqueue("rebuild-index", {"n": i}, NOW).job_id for i in range(30)}
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def work(name: str, queue: JobQueue) -> None:
        while (job := queue.claim(name, NOW)) is not None:
            claimed[name].append(job.job_id)

    threads = [
        threading.Thread(target=work, args=("a", first)),
        threading.Thread(target=work, args=("b", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = claimed["a"] + claimed["b"]
    assert sorted(every) == sorted(ids)  # each job exactly once
    assert all(job.attempts == 1 for job in first.recent(limit=100))


def test_cancelling_stops_a_queued_job_and_tells_a_running_one(queue: JobQueue) -> None:
    waiting = queue.enqueue("rebuild-index", {}, NOW)
    running = queue.enqueue("rebuild-index", {}, NOW)
    cancelled = queue.cancel(waiting.job_id, NOW)
    assert cancelled is not None and cancelled.state == "cancelled"
    claimed = queue.claim("w1", NOW)
    assert claimed is not None and claimed.job_id == running.job_id  # the cancelled one is skipped
    queue.cancel(running.job_id, NOW)
    assert not queue.heartbeat(running.job_id, "w1", NOW, 0.5)  # the worker stops at this answer
    assert not queue.finish(running.job_id, "w1", "done", NOW)
    assert queue.cancel(12345, NOW) is None


def test_a_job_whose_worker_died_is_queued_again_then_failed(queue: JobQueue) -> None:
    job = queue.enqueue("rebuild-index", {}, NOW)
    queue.claim("dead-1", NOW)
    fresh = queue.enqueue("rebuild-index", {}, NOW)
    queue.claim("alive", NOW)
    queue.heartbeat(fresh.job_id, "alive", NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=6)
    reaped = queue.reap(later - timedelta(minutes=2), later, max_attempts=2)
    assert [(j.job_id, j.state) for j in reaped] == [(job.job_id, "queued")]
    again = queue.get(job.job_id)
    assert (
        again is not None and again.state == "queued" and "dead-1 stopped sending heartbeats" in again.message
    )
    assert queue.heartbeat(fresh.job_id, "alive", later)  # a live worker's job is left alone
    assert not queue.heartbeat(job.job_id, "dead-1", later)  # the dead worker no longer owns it
    retried = queue.claim("dead-2", later)
    assert retried is not None and retried.job_id == job.job_id and retried.attempts == 2
    end = later + timedelta(minutes=10)
    reaped = queue.reap(end - timedelta(minutes=2), end, max_attempts=2)
    assert {j.job_id for j in reaped} == {job.job_id, fresh.job_id}
    failed = queue.get(job.job_id)
    assert failed is not None and failed.state == "failed" and failed.finished_at == end
    assert "dead-2 stopped sending heartbeats" in (failed.error or "") and "attempt 2" in (failed.error or "")
    requeued = queue.get(fresh.job_id)
    assert requeued is not None and requeued.state == "queued"  # its first attempt: tried again


def test_a_stopping_worker_puts_its_job_back(queue: JobQueue) -> None:
    job = queue.enqueue("rebuild-index", {}, NOW)
    queue.claim("w1", NOW)
    assert not queue.release(job.job_id, "w2", NOW, "not mine")
    assert queue.release(job.job_id, "w1", NOW, "queued again: worker w1 stopped")
    back = queue.get(job.job_id)
    assert (
        back is not None and back.state == "queued" and back.worker is None and "w1 stopped" in back.message
    )
    again = queue.claim("w2", NOW)
    assert again is not None and again.job_id == job.job_id and again.attempts == 2


def test_the_job_log_keeps_lines_in_order(queue: JobQueue) -> None:
    job = queue.enqueue("train-recommender", {}, NOW)
    other = queue.enqueue("train-recommender", {}, NOW)
    queue.append_log(job.job_id, ["read 20 products", "fitting cooccurrence"], NOW)
    queue.append_log(other.job_id, ["elsewhere"], NOW)
    queue.append_log(job.job_id, ["x" * 5000], NOW)
    lines = queue.log_lines(job.job_id)
    assert lines[:2] == ["read 20 products", "fitting cooccurrence"] and len(lines[2]) == 2000
    assert queue.log_lines(job.job_id, limit=2) == lines[1:]
    assert queue.log_lines(other.job_id) == ["elsewhere"] and queue.log_lines(999) == []
    with pytest.raises(LookupError, match="no job 999"):
        queue.append_log(999, ["lost"], NOW)


def test_sqlite_reads_create_no_file(tmp_path: Path) -> None:
    queue = open_job_queue(tmp_path)
    assert queue.recent() == [] and queue.get(1) is None and queue.log_lines(1) == []
    assert not (tmp_path / "jobs.db").exists()
    queue.enqueue("rebuild-index", {}, NOW)
    assert (tmp_path / "jobs.db").exists()
    queue.close()


def _finished(queue: JobQueue, state: str, at: datetime) -> int:
    """A job queued at `at` and finished `state` a minute later, with a log line; its id."""
    job = queue.enqueue("rebuild-index", {"state": state}, at)
    queue.append_log(job.job_id, [f"{state} job"], at)
    if state == "cancelled":
        queue.cancel(job.job_id, at + timedelta(minutes=1))
    else:
        claimed = queue.claim("w1", at)
        assert claimed is not None and claimed.job_id == job.job_id
        queue.finish(job.job_id, "w1", state, at + timedelta(minutes=1))  # type: ignore[arg-type]
    return job.job_id


def test_pruning_deletes_old_finished_jobs_and_their_logs_only(opener: Opener) -> None:
    queue = opener()
    old = NOW - timedelta(days=40)
    gone = [_finished(queue, state, old) for state in ("done", "failed", "cancelled")]
    recent = _finished(queue, "done", NOW - timedelta(days=2))
    running = queue.enqueue("rebuild-index", {}, old)  # queued and claimed 40 days ago: never pruned
    waiting = queue.enqueue("train-ranker", {}, old)  # queued 40 days ago: never pruned
    claimed = queue.claim("w2", old)
    assert claimed is not None and claimed.job_id == running.job_id
    queue.append_log(running.job_id, ["still running"], old)
    assert queue.prune(NOW - timedelta(days=30)) == 3
    assert all(queue.get(job_id) is None and queue.log_lines(job_id) == [] for job_id in gone)
    kept = opener()  # what another process sees
    assert [(j.job_id, j.state) for j in kept.recent(limit=10)] == [
        (waiting.job_id, "queued"), (running.job_id, "running"), (recent, "done")
    ]  # fmt: skip
    assert kept.log_lines(recent) == ["done job"] and kept.log_lines(running.job_id) == ["still running"]
    assert queue.prune(NOW - timedelta(days=30)) == 0
    assert queue.enqueue("rebuild-index", {}, NOW).job_id > waiting.job_id  # pruned ids are not reused


def test_pruning_an_untouched_queue_finds_nothing(queue: JobQueue) -> None:
    assert queue.prune(NOW) == 0
