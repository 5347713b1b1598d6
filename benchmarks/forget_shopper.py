"""How long forgetting one shopper and a retention purge take on SQLite stores of a given size,
and the longest an append waited meanwhile (writers share the file's write lock).

    python benchmarks/forget_shopper.py --events 1000000 --impressions 300000 --folder /tmp/forget

Builds `events.db` and `impressions.db` in the folder (synthetic: 20 events and 6 impressions
per shopper over 60 days), then forgets 20 shoppers one by one while a thread appends an event
every 10 ms, then purges the oldest half.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shelfwise.events import SQLiteEventStore
from shelfwise.impressions import Impression, ShownItem, SQLiteImpressionLog
from shelfwise.records import Event

START = datetime(2026, 1, 1, tzinfo=UTC)


def _fill(events: SQLiteEventStore, impressions: SQLiteImpressionLog, n_events: int, n_imp: int) -> int:
    shoppers = max(1, n_events // 20)
    span = 60 * 86_400
    batch: list[Event] = []
    for i in range(n_events):
        who = i % shoppers
        moment = START + timedelta(seconds=span * i / n_events)
        batch.append(
            Event(
                event_id=f"e{i}",
                type="view",
                user_id=f"u{who}",
                session_id=f"s{who}-{i % 3}",
                product_id=f"p{i % 5000}",
                timestamp=moment,
            )
        )
        if len(batch) == 10_000:
            events.append(batch)
            batch = []
    events.append(batch)
    items = tuple(ShownItem(product_id=f"p{j}", position=j, score=1.0 / (j + 1)) for j in range(10))
    pending: list[Impression] = []
    for i in range(n_imp):
        who = i % shoppers
        pending.append(
            Impression(
                request_id=f"r{i}",
                surface="search",
                user_id=f"u{who}",
                session_id=f"s{who}-{i % 3}",
                query="kettle",
                items=items,
                timestamp=START + timedelta(seconds=span * i / n_imp),
            )
        )
        if len(pending) == 5_000:
            impressions.record(pending)
            pending = []
    impressions.record(pending)
    return shoppers


class _Writer(threading.Thread):
    """Appends an event every 10 ms and notes how long each append took."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.store = SQLiteEventStore(folder / "events.db")
        self.waits: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            started = time.perf_counter()
            self.store.append(
                [
                    Event(
                        event_id=f"w{i}",
                        type="view",
                        user_id="writer",
                        product_id="p1",
                        timestamp=START + timedelta(days=59),
                    )
                ]
            )
            self.waits.append(time.perf_counter() - started)
            i += 1
            time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--impressions", type=int, default=300_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/shelfwise-forget-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    args.folder.mkdir(parents=True)
    events = SQLiteEventStore(args.folder / "events.db")
    impressions = SQLiteImpressionLog(args.folder / "impressions.db")
    started = time.perf_counter()
    shoppers = _fill(events, impressions, args.events, args.impressions)
    print(
        f"filled {args.events:,} events, {args.impressions:,} impressions, {shoppers:,} shoppers "
        f"in {time.perf_counter() - started:.0f} s"
    )
    writer = _Writer(args.folder)
    writer.start()
    took = []
    for k in range(20):
        user = f"u{(k * 7919) % shoppers}"
        started = time.perf_counter()
        sessions = events.sessions_of(user) | impressions.sessions_of(user)
        gone = events.forget_user(user, sessions) + impressions.forget_user(user, sessions)
        took.append(time.perf_counter() - started)
        assert gone > 0
    started = time.perf_counter()
    cutoff = START + timedelta(days=30)
    purged = events.purge_before(cutoff) + impressions.purge_before(cutoff)
    purge_s = time.perf_counter() - started
    writer.stop.set()
    writer.join()
    median, worst = statistics.median(took) * 1000, max(took) * 1000
    print(f"forget one shopper: median {median:.0f} ms, max {worst:.0f} ms")
    print(f"purge of {purged:,} rows: {purge_s:.1f} s")
    print(
        f"appends meanwhile: {len(writer.waits)}, median {statistics.median(writer.waits) * 1000:.1f} ms, "
        f"max {max(writer.waits) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
