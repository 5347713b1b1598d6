"""SQLite ExposureLog: one file (`DATA_DIR/experiments.db`) in WAL mode with synchronous=FULL.

Each `record` call is one transaction, committed (and fsynced) before it returns, so an
acknowledged exposure survives a killed process. The (experiment, request_id) primary key makes
a resent request a duplicate; `INSERT OR IGNORE` keeps the first record.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

from shelfwise.experiments.exposure import Exposure, RecordOutcome
from shelfwise.store.durable_sqlite import connect_durable, from_micros, rollback, to_micros
from shelfwise.store.erase_sqlite import delete_erasing, delete_older, matching_rowids

EXPOSURES_FILE = "experiments.db"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS exposures (
    experiment TEXT NOT NULL,
    request_id TEXT NOT NULL,
    variant TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    surface TEXT NOT NULL,
    PRIMARY KEY (experiment, request_id)
);
CREATE INDEX IF NOT EXISTS exposures_experiment_ts ON exposures(experiment, ts);
"""
_INSERT = (
    "INSERT OR IGNORE INTO exposures(experiment, request_id, variant, unit_id, ts, surface) "
    "VALUES(?, ?, ?, ?, ?, ?)"
)


def _connect(path: Path) -> sqlite3.Connection:
    return connect_durable(path, _SCHEMA, SCHEMA_VERSION, "exposure log")


class SQLiteExposureLog:
    """The default ExposureLog; safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = _connect(self.path)
        self._lock = threading.Lock()

    def record(self, exposures: Sequence[Exposure]) -> list[RecordOutcome]:
        if not exposures:
            return []
        outcomes: list[RecordOutcome] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for e in exposures:
                    moment = to_micros(e.timestamp)
                    row = (e.experiment, e.request_id, e.variant, e.unit_id, moment, e.surface)
                    inserted = self._conn.execute(_INSERT, row).rowcount == 1
                    outcomes.append(RecordOutcome.RECORDED if inserted else RecordOutcome.DUPLICATE)
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return outcomes

    def exposures(self, experiment: str) -> list[Exposure]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT request_id, variant, unit_id, ts, surface FROM exposures "
                "WHERE experiment = ? ORDER BY ts, rowid",
                (experiment,),
            ).fetchall()
        return [
            Exposure(
                experiment=experiment,
                request_id=request_id,
                variant=variant,
                unit_id=unit_id,
                timestamp=from_micros(int(ts)),
                surface=surface,
            )
            for request_id, variant, unit_id, ts, surface in rows
        ]

    def count(self, experiment: str | None = None) -> int:
        with self._lock:
            if experiment is None:
                row = self._conn.execute("SELECT COUNT(*) FROM exposures").fetchone()
            else:
                row = self._conn.execute(
                    "SELECT COUNT(*) FROM exposures WHERE experiment = ?", (experiment,)
                ).fetchone()
        return int(row[0])

    def experiments(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT experiment FROM exposures ORDER BY experiment")
            return [str(name) for (name,) in rows.fetchall()]

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        units = sorted({user_id, *session_ids})
        with self._lock:  # a read finds them (no index on unit_id), a short transaction deletes
            rowids = matching_rowids(self._conn, "SELECT rowid FROM exposures WHERE unit_id IN ({})", units)
            return delete_erasing(self._conn, "DELETE FROM exposures WHERE rowid IN ({})", rowids)

    def purge_before(self, cutoff: datetime) -> int:
        return delete_older(self._conn, self._lock, "exposures", to_micros(cutoff))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
