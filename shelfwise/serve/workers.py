"""Several server processes over one data folder: `shelfwise serve --workers N`.

uvicorn starts N worker processes that each build their own `ShopServer` with `app_from_env` from
the settings in the environment (the parent passes the data folder as SHELFWISE_DATA_DIR, and
the threads each worker's math libraries may use as SHELFWISE_WORKER_THREADS, default 1). They
share the data folder the way separate processes always may: SQLite in WAL mode with a busy
timeout for the catalog, events and impressions, published index versions read by each worker,
and the catch-up loop that applies catalog changes made by the others. The parent builds a
missing index once before the workers start, so they never race to build it.

Each worker listens on its own socket bound with SO_REUSEPORT, so the kernel spreads new
connections over the workers. uvicorn's own supervisor shares one listening socket, and a
worker's event loop accepts every connection that is waiting when it wakes: a client pool's 8
keep-alive connections all landed on one worker, which did all the work while the other idled
(load_http.py, 8 clients: 103 home feeds/s). Where SO_REUSEPORT is missing, uvicorn's supervisor
is used. The parent restarts a worker that dies, and gives up if one dies within
`STARTUP_GRACE_SECONDS` of starting (a configuration error would otherwise loop).

A socket handed over through multiprocessing loses its protocol number, so asyncio does not set
TCP_NODELAY on accepted connections and every keep-alive response waited about 40 ms for a
delayed ACK (measured: /health 44 ms against 1.7 ms with one process). `NoDelayHTTPProtocol`
sets it on each connection, whichever way the socket came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

from uvicorn.protocols.http.auto import AutoHTTPProtocol

DATA_DIR_VARIABLE = "SHELFWISE_DATA_DIR"
THREADS_VARIABLE = "SHELFWISE_WORKER_THREADS"
# A request's math is small (a page of features, one history, one query vector): spread over
# threads it mostly waits for them. With the BLAS, torch and FAISS pools at one thread a demo
# home feed took 6.2 ms in process against 16.5 ms with two; workers give the parallelism.
SERVING_THREADS = 1
STARTUP_GRACE_SECONDS = 10.0
APP_FACTORY = "shelfwise.serve:app_from_env"
logger = logging.getLogger(__name__)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol with Nagle's algorithm off on its connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        super().connection_made(transport)


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
    if not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                    http="shelfwise.serve.workers:NoDelayHTTPProtocol", log_level="warning")  # fmt: skip
        return
    _check_port_free(host, port)
    WorkerSupervisor(host, port, workers).run()


class WorkerSupervisor:
    """Starts `workers` server processes that each listen with SO_REUSEPORT, restarts one that
    dies, and stops them all on SIGINT or SIGTERM."""

    def __init__(self, host: str, port: int, workers: int) -> None:
        self._host, self._port, self._workers = host, port, workers
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()

    def run(self) -> None:
        processes = [self._start() for _ in range(self._workers)]
        handlers = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not self._stopping.wait(0.5):
                for position, (process, started) in enumerate(processes):
                    if process.is_alive():
                        continue
                    if time.monotonic() - started < STARTUP_GRACE_SECONDS:
                        raise SystemExit(f"a server worker exited with code {process.exitcode} while "
                                         "starting; see its log above")  # fmt: skip
                    logger.warning("server worker %s exited with code %s; starting another",
                                   process.pid, process.exitcode)  # fmt: skip
                    processes[position] = self._start()
        finally:
            for process, _ in processes:
                process.terminate()
            for process, _ in processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    def _start(self) -> tuple[BaseProcess, float]:
        process = self._context.Process(target=serve_worker, args=(self._host, self._port), daemon=False)
        process.start()
        return process, time.monotonic()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping.set()


def serve_worker(host: str, port: int) -> None:
    """One worker process: its own SO_REUSEPORT listening socket and the app from the environment."""
    import uvicorn

    sock = _reuseport_socket(host, port)
    config = uvicorn.Config(APP_FACTORY, factory=True, http=NoDelayHTTPProtocol, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def _reuseport_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _check_port_free(host: str, port: int) -> None:
    """SO_REUSEPORT would let the workers share a port with another server of this user: refuse a
    port that is taken, as a plain bind does."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise SystemExit(f"cannot serve on {host}:{port}: {error.strerror}") from error
