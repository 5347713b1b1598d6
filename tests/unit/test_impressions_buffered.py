"""The buffered impression log: answers return before the write, the writer thread stores every
queued impression in batches, a failed write loses nothing, and close stores the rest."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shelfwise.experiments import RecordOutcome
from shelfwise.impressions import BufferedImpressionLog, Impression, MemoryImpressionLog, SQLiteImpressionLog

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _impression(request_id: str) -> Impression:
    return Impression(request_id=request_id, surface="recommend", timestamp=T0)


class CountingLog(MemoryImpressionLog):
    """Counts batches; fails the first `failures` of them."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.failures = failures

    def record(self, impressions: Sequence[Impression]) -> list[RecordOutcome]:
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        self.batches.append(len(impressions))
        return super().record(impressions)


def _wait_for(condition, seconds: float = 5.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer thread did not get there in time"
        time.sleep(0.01)


def test_the_writer_stores_queued_impressions_in_batches() -> None:
    inner = CountingLog()
    log = BufferedImpressionLog(inner, interval=0.05)
    outcomes = [log.record([_impression(f"r{i}")])[0] for i in range(50)]
    assert outcomes == [RecordOutcome.RECORDED] * 50
    _wait_for(lambda: inner.count() == 50)
    assert len(inner.batches) < 50, "impressions go in batches, not one transaction per answer"
    assert log.record([_impression("r3")]) == [RecordOutcome.DUPLICATE]
    log.close()


def test_a_full_queue_wakes_the_writer_at_once() -> None:
    inner = CountingLog()
    log = BufferedImpressionLog(inner, interval=60, max_batch=10)
    log.record([_impression(f"r{i}") for i in range(10)])
    _wait_for(lambda: inner.count() == 10)
    log.close()


def test_reads_in_this_process_see_what_was_just_recorded(tmp_path: Path) -> None:
    log = BufferedImpressionLog(SQLiteImpressionLog(tmp_path / "i.db"), interval=60)
    log.record([_impression("r1"), _impression("r2")])
    assert log.get("r1") == _impression("r1")
    assert log.count() == 2
    assert [i.request_id for i in log.iter_impressions()] == ["r1", "r2"]
    log.close()


def test_a_failed_write_keeps_the_batch_for_the_next_one() -> None:
    inner = CountingLog(failures=2)
    log = BufferedImpressionLog(inner, interval=0.02)
    log.record([_impression("a"), _impression("b")])
    _wait_for(lambda: inner.count() == 2)
    assert log.failed_batches == 2 and inner.batches == [2]
    log.close()


def test_close_stores_the_rest_and_refuses_more(tmp_path: Path) -> None:
    log = BufferedImpressionLog(SQLiteImpressionLog(tmp_path / "i.db"), interval=60)
    log.record([_impression(f"r{i}") for i in range(5)])
    log.close()
    reopened = SQLiteImpressionLog(tmp_path / "i.db")
    assert reopened.count() == 5
    reopened.close()
    with pytest.raises(RuntimeError, match="closed"):
        log.record([_impression("late")])
