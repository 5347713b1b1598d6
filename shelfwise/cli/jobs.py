"""`shelfwise worker` and `shelfwise jobs ...`: training jobs queued in the data folder's job queue
(jobs.db, or SHELFWISE_JOBS_URL / SHELFWISE_DATABASE_URL) and run by worker processes.

    shelfwise jobs enqueue train-recommender --param channels=cooccurrence,popularity
    shelfwise worker --once
    shelfwise jobs list
    shelfwise jobs show 1
    shelfwise jobs prune --older-than-days 30

`shelfwise serve` starts one worker beside the server by default (`--no-worker` to run them
yourself, on this machine or others sharing a PostgreSQL database).
"""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from pydantic import JsonValue

from shelfwise.cli.common import DataDir, settings_of
from shelfwise.cli.errors import fail

jobs_app = typer.Typer(help="Queue training jobs and watch them run.", no_args_is_help=True)


def _params(pairs: list[str] | None) -> dict[str, JsonValue]:
    """`k=v` pairs; a value that reads as JSON (a number, true, a list) is taken as such."""
    params: dict[str, JsonValue] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"'{pair}' is not NAME=VALUE", param_hint="--param")
        try:
            params[name.strip()] = json.loads(value)
        except ValueError:
            params[name.strip()] = value
    return params


@jobs_app.command("enqueue")
def enqueue(
    kind: Annotated[
        str, typer.Argument(help="rebuild-index, train-recommender, train-ranker, train-encoder, ...")
    ],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE (repeatable)")] = None,
    data_dir: DataDir = None,
) -> None:
    """Queue a job for a worker (`shelfwise worker`); prints its id."""
    from shelfwise.shop_data import ShopData
    from shelfwise.worker.kinds import check_params, job_kinds

    settings, params = settings_of(data_dir), _params(param)  # a data folder that is a file: first
    try:
        check_params(job_kinds(), kind, params)
    except ValueError as error:
        raise fail(str(error)) from None
    with ShopData.open(settings) as data:
        job = data.jobs.enqueue(kind, params, datetime.now(UTC))
    typer.echo(job.job_id)


@jobs_app.command("list")
def list_jobs(
    limit: Annotated[int, typer.Option(min=1)] = 20,
    state: Annotated[str | None, typer.Option(help="queued, running, done, failed or cancelled")] = None,
    data_dir: DataDir = None,
) -> None:
    """The newest jobs: id, kind, state, progress and message."""
    from shelfwise.jobs import STATES
    from shelfwise.shop_data import ShopData

    if state is not None and state not in STATES:
        raise typer.BadParameter(f"'{state}' is not one of {', '.join(STATES)}", param_hint="--state")
    with ShopData.open(settings_of(data_dir)) as data:
        jobs = data.jobs.recent(limit, state)
    for job in jobs:
        note = job.error or job.message
        typer.echo(f"{job.job_id}\t{job.kind}\t{job.state}\t{job.progress:.0%}\t{note}")


@jobs_app.command("show")
def show(
    job_id: Annotated[int, typer.Argument()],
    data_dir: DataDir = None,
) -> None:
    """One job as JSON, with its log."""
    from shelfwise.shop_data import ShopData

    with ShopData.open(settings_of(data_dir)) as data:
        job = data.jobs.get(job_id)
        lines = data.jobs.log_lines(job_id)
    if job is None:
        raise fail(f"no job {job_id}")
    record = {
        key: value.isoformat() if isinstance(value, datetime) else value for key, value in vars(job).items()
    }
    typer.echo(json.dumps({**record, "log": lines}, indent=2))


@jobs_app.command("cancel")
def cancel(job_id: Annotated[int, typer.Argument()], data_dir: DataDir = None) -> None:
    """Cancel a queued job, or stop a running one at its next progress report."""
    from shelfwise.shop_data import ShopData

    with ShopData.open(settings_of(data_dir)) as data:
        job = data.jobs.cancel(job_id, datetime.now(UTC))
    if job is None:
        raise fail(f"no job {job_id}")
    typer.echo(f"{job.job_id}\t{job.state}")


@jobs_app.command("prune")
def prune(
    older_than_days: Annotated[
        int | None, typer.Option(min=1, help="default: SHELFWISE_JOBS__KEEP_FINISHED_DAYS (30)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Delete finished jobs (done, failed, cancelled) older than that, with their logs; queued and
    running jobs are kept. The worker does this by itself at most once an hour."""
    from shelfwise.shop_data import ShopData

    settings = settings_of(data_dir)
    days = older_than_days or settings.jobs.keep_finished_days
    if days is None:
        raise fail("no age given: pass --older-than-days N or set SHELFWISE_JOBS__KEEP_FINISHED_DAYS")
    cutoff = datetime.now(UTC) - timedelta(days=days)
    with ShopData.open(settings) as data:
        pruned = data.jobs.prune(cutoff)
    typer.echo(f"pruned {pruned} finished job{'s' if pruned != 1 else ''} older than {days} days "
               f"(finished before {cutoff.isoformat(timespec='seconds')})")  # fmt: skip


def worker(
    once: Annotated[bool, typer.Option("--once", help="run at most one queued job, then stop")] = False,
    max_jobs: Annotated[int | None, typer.Option(min=1, help="stop after this many jobs")] = None,
    data_dir: DataDir = None,
) -> None:
    """Run queued jobs (index rebuilds, training) until stopped (SIGTERM or Ctrl-C: the running
    job is put back in the queue)."""
    import logging

    from shelfwise.shop_data import ShopData
    from shelfwise.worker.loop import Worker

    logging.basicConfig(level=logging.INFO)
    settings = settings_of(data_dir)
    with ShopData.open(settings) as data:
        runner = Worker(settings, data.jobs)
        previous = {s: signal.signal(s, lambda *_: runner.stop()) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            ran = runner.run(once=once, max_jobs=max_jobs)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    typer.echo(f"{ran} job{'s' if ran != 1 else ''} run", err=True)
