"""`shelfwise serve --workers 2`: two processes over one data folder answer searches, and every
event posted to either of them is in the one event log."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from shelfwise.config import Settings
from shelfwise.records import Product
from shelfwise.service import Shelfwise


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(url: str, body: object | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode())


def test_two_workers_share_the_data_folder(
    tmp_path: Path, hashing_settings: Callable[[Path], Settings], catalog: list[Product]
) -> None:
    shop = Shelfwise(hashing_settings(tmp_path))
    shop.upsert_products(catalog)
    shop.close()  # no index yet: the parent builds it once, before the workers start
    port = _free_port()
    env = {**os.environ, "SHELFWISE_ENCODER__NAME": "hashing", "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "shelfwise.cli", "serve", "--data-dir", str(tmp_path), "--port", str(port),
         "--workers", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                assert _call(f"{base}/health")["status"] == "ok"
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:] if server.stderr else ""
                assert time.monotonic() < deadline, "no answer within 120 s"
                time.sleep(0.3)
        for _ in range(40):  # connections are spread over both processes
            hits = _call(f"{base}/search?q=bodum%20bistro")["hits"]
            assert hits[0]["product"]["product_id"] == "kt-002"
        for i in range(20):
            batch = [{"event_id": f"w-{i}-{j}", "type": "view", "user_id": f"u{j}", "product_id": "kt-002",
                      "timestamp": "2026-12-03T08:00:00Z"} for j in range(25)]  # fmt: skip
            outcome = _call(f"{base}/events", {"events": batch})
            assert outcome["accepted"] == 25, outcome
        with sqlite3.connect(tmp_path / "events.db") as conn:
            stored = conn.execute("SELECT COUNT(*) FROM events WHERE event_id LIKE 'w-%'").fetchone()[0]
        assert stored == 500
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout
        pids = {line for line in workers.split() if line}
        assert len(pids) >= 2  # the supervisor holds the workers (and may hold a resource tracker)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_worker_connections_turn_nagle_off() -> None:
    """A socket that lost its protocol number (as the workers' do) still gets TCP_NODELAY."""
    from shelfwise.serve.workers import set_nodelay

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str) -> socket.socket | None:
            return self.sock if name == "socket" else None

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        set_nodelay(Transport(sock))  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_workers_refuse_a_port_that_is_taken() -> None:
    """Workers listen with SO_REUSEPORT, which would share a port with another server of the same
    user: the supervisor checks the port with a plain bind first."""
    import pytest

    from shelfwise.serve.workers import _check_port_free

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        with pytest.raises(SystemExit, match=f"127.0.0.1:{port}"):
            _check_port_free("127.0.0.1", port)
    _check_port_free("127.0.0.1", port)  # free again once closed
