"""`shelfwise serve`: the HTTP API over a data folder."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from shelfwise.cli.common import Bars, DataDir, open_shop, settings_of


def serve(
    host: Annotated[str | None, typer.Option(help="default: SHELFWISE_SERVE__HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: SHELFWISE_SERVE__PORT or 8000")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes over the same data folder (one per core)")
    ] = 1,
    data_dir: DataDir = None,
    run_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="run queued jobs in a child process")
    ] = True,
    public_reviews: Annotated[
        bool | None,
        typer.Option(
            "--public-reviews/--no-public-reviews",
            help="POST /reviews without a key (the storefront's review form) [default: serve.public_reviews]",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (and the index, built first if missing)."""
    import uvicorn

    from shelfwise.serve import create_app
    from shelfwise.worker.loop import worker_child

    if public_reviews is not None:  # in the environment, where --workers' processes read settings too
        os.environ["SHELFWISE_SERVE__PUBLIC_REVIEWS"] = "true" if public_reviews else "false"
        if public_reviews:
            typer.echo("POST /reviews takes shoppers' reviews without a key (the storefront's review form)")
    settings = settings_of(data_dir)
    shop = open_shop(data_dir)
    with Bars() as bars:
        shop.open_index(bars)  # an empty catalog gets an empty index that API writes fill
    logging.basicConfig(level=logging.INFO)
    if workers > 1:
        from shelfwise.serve.workers import run_workers

        shop.close()
        with worker_child(settings, run_worker):
            run_workers(settings.data_dir, host or settings.serve.host, port or settings.serve.port, workers)
        return
    from shelfwise.serve.workers import SERVING_THREADS, THREADS_VARIABLE, limit_threads

    limit_threads(int(os.environ.get(THREADS_VARIABLE) or SERVING_THREADS))
    app = create_app(shop, settings.serve, owns_shelfwise=True, freeze_heap=True)
    with worker_child(settings, run_worker):
        uvicorn.run(app, host=host or settings.serve.host, port=port or settings.serve.port, log_level="info")
