"""Contract suite every ExposureLog backend must pass, plus the SQLite file's durability."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shelfwise.experiments import (
    Exposure,
    ExposureLog,
    MemoryExposureLog,
    RecordOutcome,
    SQLiteExposureLog,
    open_exposure_log,
)

T0 = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)
RECORDED, DUPLICATE = RecordOutcome.RECORDED, RecordOutcome.DUPLICATE


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ExposureLog]:
    backend: ExposureLog
    if request.param == "postgresql":
        backend = open_exposure_log(request.getfixturevalue("postgres_url"))
    else:
        backend = MemoryExposureLog() if request.param == "memory" else SQLiteExposureLog(tmp_path / "x.db")
    yield backend
    backend.close()


def _exposure(
    request_id: str, unit: str = "u1", variant: str = "a", experiment: str = "exp", minutes: int = 0
) -> Exposure:
    return Exposure(
        experiment=experiment,
        variant=variant,
        unit_id=unit,
        request_id=request_id,
        timestamp=T0 + timedelta(minutes=minutes),
        surface="search",
    )


def test_backends_satisfy_protocol(log: ExposureLog) -> None:
    assert isinstance(log, ExposureLog)


def test_record_and_read_back(log: ExposureLog) -> None:
    batch = [_exposure("r1"), _exposure("r2", unit="u2", variant="b", minutes=1)]
    assert log.record(batch) == [RECORDED, RECORDED]
    assert log.exposures("exp") == batch  # timestamps come back exact, microseconds and UTC included
    assert log.exposures("other") == []
    assert log.count("exp") == 2 and log.count() == 2


def test_idempotent_by_request_id_first_record_wins(log: ExposureLog) -> None:
    assert log.record([_exposure("r1"), _exposure("r1", variant="b")]) == [RECORDED, DUPLICATE]
    assert log.record([_exposure("r1", unit="u9")]) == [DUPLICATE]
    assert [(e.unit_id, e.variant) for e in log.exposures("exp")] == [("u1", "a")]
    assert log.record([]) == []


def test_same_request_in_two_experiments_is_two_exposures(log: ExposureLog) -> None:
    assert log.record([_exposure("r1"), _exposure("r1", experiment="exp2")]) == [RECORDED, RECORDED]
    assert log.experiments() == ["exp", "exp2"]
    assert log.count("exp2") == 1 and log.count() == 2


def test_read_back_oldest_first(log: ExposureLog) -> None:
    log.record([_exposure("late", minutes=5)])
    log.record([_exposure("early", minutes=-5), _exposure("tie-1"), _exposure("tie-2")])
    assert [e.request_id for e in log.exposures("exp")] == ["early", "tie-1", "tie-2", "late"]


def test_timestamps_are_utc(log: ExposureLog) -> None:
    paris = timezone(timedelta(hours=1))
    exposure = Exposure(
        experiment="exp",
        variant="a",
        unit_id="u",
        request_id="r",
        timestamp=datetime(2026, 12, 1, 13, tzinfo=paris),
    )
    log.record([exposure])
    assert log.exposures("exp")[0].timestamp == datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert Exposure(**{**exposure.model_dump(), "timestamp": datetime(2026, 1, 1)}).timestamp.tzinfo is UTC


def test_sqlite_exposures_survive_a_killed_writer(tmp_path: Path) -> None:
    path = tmp_path / "experiments.db"
    code = (
        "import os, sys\n"
        "from datetime import datetime, UTC\n"
        "from shelfwise.experiments import Exposure, SQLiteExposureLog\n"
        "log = SQLiteExposureLog(sys.argv[1])\n"
        "log.record([Exposure(experiment='exp', variant='a', unit_id='u1', request_id='r1',"
        " timestamp=datetime(2026, 12, 1, tzinfo=UTC))])\n"
        "os._exit(0)  # no close, no clean shutdown\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    reopened = SQLiteExposureLog(path)
    try:
        assert [e.request_id for e in reopened.exposures("exp")] == ["r1"]
        assert reopened.record([_exposure("r1")]) == [DUPLICATE]
    finally:
        reopened.close()


def test_sqlite_second_handle_sees_records_at_once(tmp_path: Path) -> None:
    writer, reader = SQLiteExposureLog(tmp_path / "e.db"), SQLiteExposureLog(tmp_path / "e.db")
    try:
        writer.record([_exposure("r1")])
        assert reader.count("exp") == 1
        assert reader.record([_exposure("r1")]) == [DUPLICATE]
    finally:
        writer.close()
        reader.close()


def test_open_exposure_log_targets(tmp_path: Path) -> None:
    assert isinstance(open_exposure_log("memory://"), MemoryExposureLog)
    in_dir = open_exposure_log(tmp_path)
    assert isinstance(in_dir, SQLiteExposureLog) and in_dir.path == tmp_path / "experiments.db"
    in_dir.close()
    by_url = open_exposure_log(f"sqlite:///{tmp_path / 'other.db'}")
    assert isinstance(by_url, SQLiteExposureLog) and by_url.path == tmp_path / "other.db"
    by_url.close()
    with pytest.raises(ValueError, match="unsupported exposure log URL"):
        open_exposure_log("mysql://x")


def test_sqlite_runs_in_wal_with_full_sync(tmp_path: Path) -> None:
    log = SQLiteExposureLog(tmp_path / "e.db")
    try:
        conn = log._conn  # noqa: SLF001 - the settings that make `record` durable on return
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        log.close()
