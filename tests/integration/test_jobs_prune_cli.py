"""`shelfwise jobs prune`: finished jobs older than --older-than-days (default: the shop's
jobs.keep_finished_days) go with their logs; queued and running ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.jobs import open_job_queue


def _jobs(folder: Path) -> dict[str, int]:
    queue, now = open_job_queue(folder), datetime.now(UTC)
    ids = {}
    for name, days in (("old", 45), ("month", 20), ("new", 1)):
        job = queue.enqueue("rebuild-index", {}, now - timedelta(days=days))
        queue.claim("w1", now - timedelta(days=days))
        queue.finish(job.job_id, "w1", "done", now - timedelta(days=days))
        ids[name] = job.job_id
    ids["queued"] = queue.enqueue("rebuild-index", {}, now - timedelta(days=90)).job_id
    queue.close()
    return ids


def _left(folder: Path) -> set[int]:
    queue = open_job_queue(folder)
    try:
        return {job.job_id for job in queue.recent(limit=100)}
    finally:
        queue.close()


def test_prune_deletes_finished_jobs_older_than_asked(tmp_path: Path) -> None:
    ids = _jobs(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["jobs", "prune", "--older-than-days", "30", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and result.stdout.startswith("pruned 1 finished job older than 30 days")
    assert _left(tmp_path) == {ids["month"], ids["new"], ids["queued"]}
    env = {"SHELFWISE_JOBS__KEEP_FINISHED_DAYS": "7"}  # the default: the shop's setting
    result = runner.invoke(app, ["jobs", "prune", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0 and "pruned 1 finished job older than 7 days" in result.stdout
    assert _left(tmp_path) == {ids["new"], ids["queued"]}
    bad = runner.invoke(app, ["jobs", "prune", "--older-than-days", "0", "--data-dir", str(tmp_path)])
    assert bad.exit_code == 2 and _left(tmp_path) == {ids["new"], ids["queued"]}
