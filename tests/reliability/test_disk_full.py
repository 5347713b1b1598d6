"""A full disk, on a small tmpfs the test mounts (skipped, saying why, where it cannot): writes are
refused with 507 and a clear message, reads go on, nothing acknowledged is lost, and once space is
freed the refused writes succeed, every SQLite file passes its integrity check and the index
reopens (and catches up, when only its own folder was full)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from disk_harness import CannotMount, fill, full_data_disk, full_index_disk, index_persist_scan, small_disk

from shelfwise.disk_full import DISK_FULL_MESSAGE, is_disk_full
from shelfwise.events import SQLiteEventStore
from shelfwise.records import Event, Product
from shelfwise.store.sqlite import SQLiteStore

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _mounted(mount_point: Path, size_mb: int) -> Iterator[Path]:
    with ExitStack() as stack:
        try:
            disk = stack.enter_context(small_disk(mount_point, size_mb))
        except CannotMount as why:
            pytest.skip(f"no small disk to fill: {why}")
        yield disk


@pytest.fixture
def data_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mounted(tmp_path / "disk", 24)


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Path]:
    yield from _mounted(tmp_path / "small", 2)


@pytest.fixture
def index_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mounted(tmp_path / "data" / "indexes", 4)


def test_full_data_folder_refuses_writes_with_507_and_recovers(data_disk: Path) -> None:
    figures = full_data_disk(data_disk)
    for write in figures.writes:
        assert write.answers.get(507) == 1, write  # refused once, and it stopped there
        assert set(write.answers) <= {200, 507}, write  # never a 500
        assert write.message == DISK_FULL_MESSAGE
        assert write.after_free == 200, write
    assert set(figures.reads.values()) <= {200, 404}, figures.reads  # 404: the refused product
    assert figures.reads["/search?q=mahogany+writing+bureau"] == 200
    assert figures.acknowledged_missing == 0
    assert figures.integrity and set(figures.integrity.values()) == {"ok"}, figures.integrity
    assert figures.index_reopens


def test_full_index_folder_refuses_the_write_then_catches_up(tmp_path: Path, index_disk: Path) -> None:
    figures = full_index_disk(tmp_path / "data", index_disk)
    (write,) = figures.writes
    assert write.answers.get(507) == 1 and set(write.answers) <= {200, 507}, write
    assert write.message == DISK_FULL_MESSAGE
    assert figures.refused_but_stored == 1  # the store had it; only the index could not follow
    assert set(figures.reads.values()) == {200}, figures.reads
    assert figures.caught_up  # the catch-up after space was freed indexed it, no new write needed
    assert write.after_free == 200
    assert figures.acknowledged_missing == 0
    assert set(figures.integrity.values()) == {"ok"}, figures.integrity
    assert figures.index_reopens


def test_index_writes_running_out_of_room_anywhere_leave_it_able_to_catch_up(
    tmp_path: Path, index_disk: Path
) -> None:
    """A write per step, with 0, 1, 2... pages left on the index disk: the lexical commit, the vector
    files or the manifest runs out of room (each answered 507), or nothing does (200)."""
    steps, figures = index_persist_scan(tmp_path / "data", index_disk, range(0, 24))
    assert {s.status for s in steps} == {200, 507}, steps
    assert all(s.failed_at and not s.failed_at.startswith("other") for s in steps if s.status == 507), steps
    assert all(s.consistent for s in steps), steps  # stored, and found once the index caught up
    assert figures.acknowledged_missing == 0
    assert set(figures.integrity.values()) == {"ok"}, figures.integrity
    assert figures.index_reopens


def test_sqlite_writers_report_the_full_disk_not_a_failed_rollback(small: Path) -> None:
    """SQLite rolls a transaction back by itself on SQLITE_FULL; a second ROLLBACK used to raise
    'cannot rollback - no transaction is active' in place of 'database or disk is full'."""
    store, events = SQLiteStore(small / "catalog.db"), SQLiteEventStore(small / "events.db")
    try:
        store.upsert([Product(product_id="p0", title="Kettle")])
        filler = fill(small)
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as refused:
            for i in range(200):
                store.upsert([Product(product_id=f"p{i + 1}", title="Kettle", description="x" * 4000)])
        assert is_disk_full(refused.value)
        event = Event(event_id="e1", type="view", user_id="u1", product_id="p0", timestamp=1764590400)
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            for i in range(200):
                events.append([event.model_copy(update={"event_id": f"e{i}", "query": "q" * 400})])
        filler.unlink()
        store.upsert([Product(product_id="after", title="Kettle")])
        events.append([event.model_copy(update={"event_id": "after"})])
        assert store.get("after") is not None and events.integrity_check() == "ok"
    finally:
        store.close()
        events.close()
