"""Contract suite every ImpressionLog backend must pass."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.experiments import RecordOutcome
from shelfwise.impressions import (
    BufferedImpressionLog,
    Impression,
    ImpressionLog,
    MemoryImpressionLog,
    ShownItem,
    SQLiteImpressionLog,
    open_impression_log,
)

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "buffered-sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ImpressionLog]:
    backend: ImpressionLog
    if request.param == "postgresql":
        backend = open_impression_log(request.getfixturevalue("postgres_url"))
    elif request.param == "memory":
        backend = MemoryImpressionLog()
    elif request.param == "sqlite":
        backend = SQLiteImpressionLog(tmp_path / "i.db")
    else:
        backend = BufferedImpressionLog(SQLiteImpressionLog(tmp_path / "i.db"), interval=0.05)
    yield backend
    backend.close()


def _impression(request_id: str, minutes: float = 0.0, surface: str = "search") -> Impression:
    return Impression(
        request_id=request_id,
        surface=surface,
        timestamp=T0 + timedelta(minutes=minutes),
        user_id="u1",
        session_id="s1",
        query="red kettle" if surface == "search" else None,
        items=(ShownItem(product_id="p1", position=0, score=0.9), ShownItem(product_id="p/2", position=1)),
        variants={"ranker-test": "treatment"},
        context={"page": 1, "mode": "hybrid"},
    )


def test_round_trip_keeps_every_field(log: ImpressionLog) -> None:
    original = _impression("r1")
    assert log.record([original]) == [RecordOutcome.RECORDED]
    assert log.get("r1") == original
    assert log.get("missing") is None


def test_a_resent_request_is_a_duplicate_and_the_first_record_wins(log: ImpressionLog) -> None:
    first = _impression("r1")
    second = first.model_copy(update={"query": "blue kettle"})
    assert log.record([first, second]) == [RecordOutcome.RECORDED, RecordOutcome.DUPLICATE]
    assert log.record([second]) == [RecordOutcome.DUPLICATE]
    got = log.get("r1")
    assert got is not None and got.query == "red kettle"
    assert log.count() == 1


def test_iterates_in_time_order_within_a_window_and_by_surface(log: ImpressionLog) -> None:
    log.record([_impression("late", 30), _impression("early", 0), _impression("rec", 10, "recommend")])
    assert [i.request_id for i in log.iter_impressions()] == ["early", "rec", "late"]
    window = log.iter_impressions(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=30))
    assert [i.request_id for i in window] == ["rec"]
    assert [i.request_id for i in log.iter_impressions(surface="search")] == ["early", "late"]
    assert log.count("recommend") == 1 and log.count() == 3


def test_sqlite_log_survives_reopening_and_pages_long_reads(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    first = SQLiteImpressionLog(path)
    first.record([_impression(f"r{i:05d}", i / 100) for i in range(5_003)])
    first.close()
    again = open_impression_log(f"sqlite:///{path}")
    ids = [i.request_id for i in again.iter_impressions()]
    assert ids == [f"r{i:05d}" for i in range(5_003)]
    again.close()


def test_factory_reads_a_data_folder_and_memory(tmp_path: Path) -> None:
    folder = open_impression_log(tmp_path)
    assert isinstance(folder, SQLiteImpressionLog) and folder.path == tmp_path / "impressions.db"
    folder.close()
    assert isinstance(open_impression_log("memory://"), MemoryImpressionLog)
    with pytest.raises(ValueError, match="unsupported impression log URL"):
        open_impression_log("mysql://x")


def test_long_reads_come_back_whole_in_time_order(log: ImpressionLog) -> None:
    log.record([_impression(f"r{i:05d}", (5_003 - i) / 100) for i in range(5_003)])
    log.record([_impression("tie-b", 99), _impression("tie-a", 99)])  # same time: recording order
    ids = [i.request_id for i in log.iter_impressions()]
    assert ids[:3] == ["r05002", "r05001", "r05000"] and ids[-3:] == ["r00000", "tie-b", "tie-a"]
    assert len(ids) == len(set(ids)) == 5_005
