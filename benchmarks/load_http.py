"""Bounded HTTP load on loopback: throughput and latency of /search, /recommend and /events.

Starts `shelfwise serve --workers W` over a data folder (a built shop, e.g. `make demo`'s
demo-shop), waits for /health, then for each endpoint and each concurrency level sends a fixed
number of requests from that many async clients (httpx, keep-alive) and stops by itself. Event
batches carry fresh event ids; afterwards the events are counted back in the data folder's event
log, so a lost event shows as a shortfall.

    .venv/bin/python benchmarks/load_http.py --data-dir demo-shop --workers 2 \
        --clients 1 8 32 --requests 2000 --out runs/load.json

Searches replay the shop's logged search queries (repeats included, as shoppers repeat them);
recommendation requests go to the users in the event log. The client shares the machine with the
server: on 2 cores its own CPU is part of what is measured, so the figures are a floor. Each row
reports the client's own CPU time per request. `--client raw` (the default) writes prepared
HTTP/1.1 requests on asyncio streams, one keep-alive connection per concurrent client, and reads
status, headers and body; `--client httpx` uses httpx's AsyncClient, which costs the client
several times more CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np

from shelfwise.evaluate.machine import describe_machine

RequestMaker = Callable[[int], tuple[str, str, Any]]  # i -> (method, path, json body or params)
Sender = Callable[[int, str, str, Any], Awaitable[int]]  # (loop, method, path, payload) -> status


class RawHttp:
    """Minimal HTTP/1.1 keep-alive client on asyncio streams: one connection per loop."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._connections: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}

    async def send(self, loop: int, method: str, path: str, payload: Any) -> int:
        host = f"Host: 127.0.0.1:{self._port}\r\n"
        if method == "GET":
            query = f"?{urlencode(payload)}" if payload else ""
            request = f"GET {path}{query} HTTP/1.1\r\n{host}\r\n".encode()
        else:
            body = json.dumps(payload).encode()
            head = (f"{method} {path} HTTP/1.1\r\n{host}Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n")  # fmt: skip
            request = head.encode() + body
        for _ in range(2):  # the server closes idle keep-alive connections (uvicorn: after 5 s)
            if loop not in self._connections:
                self._connections[loop] = await asyncio.open_connection("127.0.0.1", self._port)
            reader, writer = self._connections[loop]
            try:
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
            except ConnectionError:
                status_line = b""
            if status_line:
                return await self._rest(reader, int(status_line.split()[1]))
            writer.close()
            del self._connections[loop]
        raise ConnectionError("the server closed a fresh connection without answering")

    @staticmethod
    async def _rest(reader: asyncio.StreamReader, status: int) -> int:
        """Read the headers and body of a response whose status line was read."""
        length, chunked = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            await reader.readexactly(length)
            return status
        while size := int((await reader.readline()).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readline()
        return status

    async def close(self) -> None:
        for _, writer in self._connections.values():
            writer.close()
        self._connections.clear()


def httpx_sender(client: httpx.AsyncClient) -> Sender:
    async def send(loop: int, method: str, path: str, payload: Any) -> int:
        if method == "GET":
            response = await client.get(path, params=payload)
        else:
            response = await client.post(path, json=payload)
        return response.status_code

    return send


def logged_searches_and_users(data_dir: Path, limit: int = 20_000) -> tuple[list[str], list[str], list[str]]:
    """Queries (in logged order, repeats kept), user ids and product ids from the event log."""
    with sqlite3.connect(f"file:{data_dir / 'events.db'}?mode=ro", uri=True) as conn:
        queries = [json.loads(d).get("query") for (d,) in conn.execute(
            "SELECT data FROM events WHERE type = 'search' ORDER BY seq LIMIT ?", (limit,))]  # fmt: skip
        users = [a[5:] for (a,) in conn.execute(
            "SELECT DISTINCT actor FROM events WHERE actor LIKE 'user:%' LIMIT ?", (limit,))]  # fmt: skip
        products = [p for (p,) in conn.execute(
            "SELECT DISTINCT product_id FROM events WHERE product_id IS NOT NULL LIMIT ?", (limit,)
        )]  # fmt: skip
    return [q for q in queries if q], users, products


def cached_share(data_dir: Path, since: float, until: float) -> dict[str, float]:
    """Recommendation answers logged between two wall-clock times, and the share served from the
    answer cache (the impression's context says so)."""
    with sqlite3.connect(f"file:{data_dir / 'impressions.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT context FROM impressions WHERE surface = 'recommend' AND ts BETWEEN ? AND ?",
            (int(since * 1e6), int(until * 1e6)),
        ).fetchall()
    cached = sum(1 for (context,) in rows if json.loads(context).get("cached"))
    return {"logged": len(rows), "cached_share": round(cached / max(len(rows), 1), 3)}


def count_events(data_dir: Path, prefix: str) -> int:
    with sqlite3.connect(f"file:{data_dir / 'events.db'}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT COUNT(*) FROM events WHERE event_id LIKE ?", (prefix + "%",)).fetchone()
    return int(row[0])


async def drive(send: Sender, make: RequestMaker, requests: int, clients: int) -> dict[str, Any]:
    """Send `requests` requests from `clients` concurrent loops; latency per request and the
    client's own CPU time per request."""
    counter = iter(range(requests))
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def loop(number: int) -> None:
        for i in counter:
            method, path, payload = make(i)
            started = time.perf_counter()
            try:
                status = str(await send(number, method, path, payload))
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                status = type(error).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            if status != "200":
                errors[status] = errors.get(status, 0) + 1

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(loop(number) for number in range(clients)))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    return {"clients": clients, "requests": requests, "seconds": round(seconds, 2),
            "per_second": round(requests / seconds, 1), "p50_ms": round(float(p50), 1),
            "p95_ms": round(float(p95), 1), "p99_ms": round(float(p99), 1),
            "client_cpu_ms_per_request": round(1000 * cpu / requests, 2), "errors": errors}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "shelfwise.cli", "serve", "--data-dir", str(data_dir),
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=dict(os.environ))  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = server.stderr.read().decode()[-2000:] if server.stderr else ""
            raise RuntimeError(f"server exited: {tail}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                # /health answers once one worker listens; a worker that is still loading gets no
                # connections, so give the others time before the pooled connections are opened
                time.sleep(5 if workers > 1 else 0)
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise RuntimeError("server did not answer /health within 300 s")


async def run(args: argparse.Namespace, port: int) -> dict[str, Any]:
    queries, users, products = logged_searches_and_users(args.data_dir)
    if not queries or not users or not products:
        raise SystemExit(f"{args.data_dir}: the event log needs searches, users and products (run make demo)")
    rng = random.Random(args.seed)
    prefix = f"load-{uuid.uuid4().hex[:8]}-"
    now = datetime.now(UTC).isoformat()

    def search(i: int) -> tuple[str, str, Any]:
        return "GET", "/search", {"q": queries[i % len(queries)], "page_size": 10}

    def recommend(i: int) -> tuple[str, str, Any]:
        return "GET", f"/recommend/user/{users[rng.randrange(len(users))]}", {"k": 10}

    batches = iter(range(1 << 62))  # event ids stay unique across warm-up and levels

    def events(i: int) -> tuple[str, str, Any]:
        number = next(batches)
        batch = [{"event_id": f"{prefix}{number}-{j}", "type": "view",
                  "user_id": users[rng.randrange(len(users))],
                  "product_id": products[rng.randrange(len(products))], "timestamp": now}
                 for j in range(args.event_batch)]  # fmt: skip
        return "POST", "/events", {"events": batch}

    limits = httpx.Limits(max_connections=max(args.clients), max_keepalive_connections=max(args.clients))
    results: dict[str, Any] = {"client": args.client}
    raw = RawHttp(port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
        send = raw.send if args.client == "raw" else httpx_sender(client)
        plan = (
            ("search", search, args.requests),
            ("recommend", recommend, args.requests),
            ("events", events, args.event_requests),
        )
        for name, make, requests in plan:
            if name not in args.endpoints:
                continue
            await drive(send, make, min(50, requests), 4)  # warm-up: caches, connections
            results[name] = []
            for clients in args.clients:
                since = time.time()
                row = await drive(send, make, requests, clients)
                if name == "recommend":
                    await asyncio.sleep(1.0)  # impressions are written in batches every 0.2 s
                    row |= cached_share(args.data_dir, since, time.time())
                if name == "events":
                    row["events_per_second"] = round(row["per_second"] * args.event_batch, 1)
                results[name].append(row)
                print(name, json.dumps(row), flush=True)
    await raw.close()
    if "events" not in args.endpoints:
        return results
    sent = (min(50, args.event_requests) + args.event_requests * len(args.clients)) * args.event_batch
    stored = count_events(args.data_dir, prefix)
    results["events_counted_back"] = {"sent": sent, "stored": stored, "lost": sent - stored}
    print("events counted back:", json.dumps(results["events_counted_back"]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="a built shop, e.g. demo-shop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and concurrency level")
    parser.add_argument("--event-requests", type=int, default=200, help="event batches per level")
    parser.add_argument("--event-batch", type=int, default=500, help="events per POST /events")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument(
        "--endpoints",
        nargs="+",
        default=["search", "recommend", "events"],
        choices=("search", "recommend", "events"),
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    port = free_port()
    server = start_server(args.data_dir, port, args.workers)
    try:
        results = asyncio.run(run(args, port))
    finally:
        server.terminate()
        server.wait(timeout=60)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "workers": args.workers,
        "machine": describe_machine().model_dump(),
        "data_dir": str(args.data_dir),
        **results,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
