"""Several server processes over one data folder: `shelfwise serve --workers N`.

uvicorn starts N worker processes that each build their own Shelfwise with `app_from_env` from
the settings in the environment (the parent passes the data folder as SHELFWISE_DATA_DIR, and
the threads each worker's math libraries may use as SHELFWISE_WORKER_THREADS, default 1). They
share the data folder the way separate processes always may: SQLite in WAL mode with a busy
timeout for the catalog, events and impressions, published index versions read by each worker,
and the catch-up loop that applies catalog changes made by the others. The parent builds a
missing index once before the workers start, so they never race to build it.

The workers get the listening socket from the parent through multiprocessing, which loses its
protocol number, so asyncio does not set TCP_NODELAY on accepted connections and every
keep-alive response waited about 40 ms for a delayed ACK (measured: /health 44 ms against 1.7 ms
with one process). `NoDelayHTTPProtocol` sets it on each connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from pathlib import Path

from uvicorn.protocols.http.auto import AutoHTTPProtocol

DATA_DIR_VARIABLE = "SHELFWISE_DATA_DIR"
THREADS_VARIABLE = "SHELFWISE_WORKER_THREADS"
# A request's math is small (a page of features, one history, one query vector): spread over
# threads it mostly waits for them. With the BLAS, torch and FAISS pools at one thread a demo
# home feed took 6.2 ms in process against 16.5 ms with two; workers give the parallelism.
SERVING_THREADS = 1


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol with Nagle's algorithm off on its connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]


def limit_threads(threads: int) -> None:
    """At most `threads` math threads in this process: torch, FAISS and the BLAS libraries."""
    import faiss
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    threadpool_limits(threads)


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on a TCP transport's socket (a no-op for other sockets)."""
    connection = transport.get_extra_info("socket")
    if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def run_workers(data_dir: Path, host: str, port: int, workers: int) -> None:
    """Serve with `workers` processes (blocks until stopped)."""
    import uvicorn

    os.environ[DATA_DIR_VARIABLE] = str(data_dir.resolve())
    os.environ.setdefault(THREADS_VARIABLE, str(SERVING_THREADS))
    uvicorn.run("shelfwise.serve:app_from_env", factory=True, host=host, port=port, workers=workers,
                http="shelfwise.serve.workers:NoDelayHTTPProtocol", log_level="warning")  # fmt: skip
