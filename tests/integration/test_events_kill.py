"""A killed import loses at most the batch it was writing, and the re-run counts nothing twice.

The import runs in a child process. To kill it at a known point, and not at a moment chosen by a
timer, the child traces its SQL: in the middle of a batch (after some of its INSERTs, before its
COMMIT) it tells the parent, which then sends SIGKILL while the child waits, transaction open.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shelfwise.events import SQLiteEventStore, import_events, parse_event
from shelfwise.records import Event

ROWS = 3000
BATCH = 100
KILL_IN_BATCH = 7  # batches 1..6 are committed, batch 7 is half written when the child dies

CHILD = """
import sys
from shelfwise.events import SQLiteEventStore, import_events

feed, db, batch, kill_in = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = SQLiteEventStore(db)
commits = inserts = 0

def trace(sql):
    global commits, inserts
    if sql.startswith("COMMIT"):
        commits += 1
    elif sql.startswith("INSERT") and commits == kill_in - 1:
        inserts += 1
        if inserts == batch // 2:
            print("in-transaction", flush=True)
            sys.stdin.readline()  # wait for SIGKILL; never returns

store._conn.set_trace_callback(trace)
report = import_events(feed, store, batch_size=batch)
print("finished", report.accepted, flush=True)
"""


def _rows() -> list[dict[str, object]]:
    """Views, clicks and searches of 40 shoppers; every 50th row is invalid, every 70th resent."""
    rows: list[dict[str, object]] = []
    for i in range(ROWS):
        kind = ("view", "click", "search")[i % 3]
        row: dict[str, object] = {
            "event_id": f"ev-{i:05d}",
            "type": kind,
            "user_id": f"u{i % 40}",
            "timestamp": 1714557600 + i,
        }
        row.update(
            {"query": f"query {i % 11}", "shown": [f"p{i % 13}", f"p{i % 17}"]}
            if kind == "search"
            else {"product_id": f"p{i % 29}", "position": i % 10}
        )
        if i % 50 == 49:
            row["timestamp"] = "not a time"
        if i % 70 == 69:
            row["event_id"] = f"ev-{i - 1:05d}"
        rows.append(row)
    return rows


def _valid_in_order(rows: list[dict[str, object]]) -> list[Event]:
    events = [parse_event(row).event for row in rows]
    return [event for event in events if event is not None]


def _first_occurrences(events: list[Event]) -> list[Event]:
    seen: dict[str, Event] = {}
    for event in events:
        seen.setdefault(event.event_id, event)
    return list(seen.values())


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_import_then_rerun(tmp_path: Path) -> None:
    rows = _rows()
    feed = tmp_path / "events.jsonl"
    feed.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    db = tmp_path / "events.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(feed), str(db), str(BATCH), str(KILL_IN_BATCH)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == "in-transaction", (line, child.stderr.read() if child.stderr else "")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    valid = _valid_in_order(rows)
    committed = _first_occurrences(valid[: (KILL_IN_BATCH - 1) * BATCH])
    store = SQLiteEventStore(db)  # opens cleanly: SQLite recovers from the WAL
    assert store.integrity_check() == "ok"
    stored = list(store.iter_events(batch_size=250))  # each one parses back into a whole Event
    assert [s.event for s in stored] == committed  # the open batch left no trace
    assert [s.seq for s in stored] == list(range(1, len(committed) + 1))

    report = import_events(feed, store, batch_size=BATCH)
    everything = _first_occurrences(valid)
    assert report.rows_read == ROWS
    assert report.rejected == ROWS - len(valid) == ROWS // 50
    assert report.accepted == len(everything) - len(committed)
    assert report.duplicate == len(valid) - report.accepted
    assert [s.event for s in store.iter_events()] == everything
    assert store.count() == len(everything) == report.last_seq
    store.close()
