"""Several processes on one PostgreSQL database: two writer processes (an ingest of the catalog
and an event writer each) run beside two readers with pools of their own (two server
processes' views), which follow the change feed and the event log by `seq > watermark` while
the writes go on. Every change and every event is seen by both readers, none twice, none lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from shelfwise.events import open_event_store
from shelfwise.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS, BATCH, EVENTS = 600, 25, 3_000

_INGEST = """
import sys
from shelfwise.records import Product
from shelfwise.store import open_store
store = open_store(sys.argv[1])
start, stop, batch = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for first in range(start, stop, batch):
    store.upsert([Product(product_id=f"p{i:05d}", title=f"Kettle {i}") for i in range(first, first + batch)])
store.close()
"""
_EVENTS = """
import sys
from datetime import UTC, datetime
from shelfwise.events import open_event_store
from shelfwise.records import Event
store = open_event_store(sys.argv[1])
name, count = sys.argv[2], int(sys.argv[3])
for first in range(0, count, 100):
    batch = [Event(event_id=f"{name}-{i}", type="view", user_id=f"u{i % 7}", product_id="p1",
                   timestamp=datetime(2026, 12, 7, tzinfo=UTC)) for i in range(first, first + 100)]
    store.append(batch + [Event(event_id="shared-0", type="view", user_id="u0", product_id="p1",
                                timestamp=datetime(2026, 12, 7, tzinfo=UTC))])
store.close()
"""


def _spawn(code: str, *args: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env)


def _follow_catalog(url: str, writers: list[subprocess.Popen[bytes]], seen: list[str]) -> None:
    """A server's catalog refresh: read changes after the watermark until the writers are done."""
    store = open_store(url)
    watermark = 0
    while True:
        done = all(w.poll() is not None for w in writers)
        for change in store.changes_since(watermark):
            assert change.seq > watermark
            seen.append(change.product_id)
            watermark = change.seq
        if done:
            break
    store.close()


def _follow_events(url: str, writers: list[subprocess.Popen[bytes]], seen: list[int]) -> None:
    store = open_event_store(url)
    watermark = 0
    while True:
        done = all(w.poll() is not None for w in writers)
        for stored in store.iter_events(after_seq=watermark, batch_size=500):
            seen.append(stored.seq)
            watermark = stored.seq
        if done:
            break
    store.close()


def _run(followers: list[threading.Thread], writers: list[subprocess.Popen[bytes]]) -> None:
    for thread in followers:
        thread.start()
    assert [w.wait(timeout=300) for w in writers] == [0] * len(writers)
    for thread in followers:
        thread.join(timeout=300)


def test_two_readers_see_every_catalog_change_written_by_two_ingests(postgres_url: str) -> None:
    open_store(postgres_url).close()  # schema first, so the processes race on writes only
    half = PRODUCTS // 2
    ranges = ((0, half), (half, PRODUCTS))
    writers = [_spawn(_INGEST, postgres_url, start, stop, BATCH) for start, stop in ranges]
    seen: list[list[str]] = [[], []]
    _run([threading.Thread(target=_follow_catalog, args=(postgres_url, writers, s)) for s in seen], writers)
    expected = [f"p{i:05d}" for i in range(PRODUCTS)]
    for ids in seen:
        assert sorted(ids) == expected  # each product once: every change seen, none twice
    store = open_store(postgres_url)
    assert store.count() == PRODUCTS and store.last_seq() == PRODUCTS
    store.close()


def test_two_readers_follow_every_event_written_by_two_processes(postgres_url: str) -> None:
    """The four start at once on an empty database: the schema is migrated once, under its lock."""
    writers = [_spawn(_EVENTS, postgres_url, name, EVENTS) for name in ("a", "b")]
    seen: list[list[int]] = [[], []]
    _run([threading.Thread(target=_follow_events, args=(postgres_url, writers, s)) for s in seen], writers)
    store = open_event_store(postgres_url)
    stored = [s.seq for s in store.iter_events()]
    assert store.count() == len(stored) == 2 * EVENTS + 1  # "shared-0" once: a duplicate after that
    assert stored == sorted(set(stored))
    for seqs in seen:
        assert seqs == stored  # in order, nothing skipped while the writers went on
    store.close()
