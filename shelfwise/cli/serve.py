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
) -> None:
    """Serve the HTTP API (and the index, built first if missing)."""
    import uvicorn

    from shelfwise.serve import create_app

    settings = settings_of(data_dir)
    shop = open_shop(data_dir)
    with Bars() as bars:
        shop.open_index(bars)  # an empty catalog gets an empty index that API writes fill
    logging.basicConfig(level=logging.INFO)
    if workers > 1:
        from shelfwise.serve.workers import run_workers

        shop.close()
        run_workers(settings.data_dir, host or settings.serve.host, port or settings.serve.port, workers)
        return
    from shelfwise.serve.workers import SERVING_THREADS, THREADS_VARIABLE, limit_threads

    limit_threads(int(os.environ.get(THREADS_VARIABLE) or SERVING_THREADS))
    app = create_app(shop, settings.serve, owns_shelfwise=True, freeze_heap=True)
    uvicorn.run(app, host=host or settings.serve.host, port=port or settings.serve.port, log_level="info")

