"""SQLite DraftStore: `descriptions.db` in WAL mode with synchronous=FULL; a draft is a row keyed by
its product with the columns its queries need (status, creation time) and the draft as JSON."""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from pathlib import Path

from shelfwise.describe.records import DescriptionDraft, DraftStatus, zero_counts
from shelfwise.store.durable_sqlite import connect_durable, rollback, to_micros

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS description_drafts (
    product_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS description_drafts_status ON description_drafts(status, created_ts, product_id);
CREATE INDEX IF NOT EXISTS description_drafts_created ON description_drafts(created_ts, product_id);
"""
_UPSERT = """INSERT INTO description_drafts(product_id, status, created_ts, data) VALUES(?, ?, ?, ?)
ON CONFLICT(product_id) DO UPDATE SET status = excluded.status, created_ts = excluded.created_ts,
data = excluded.data"""
_NEWEST = "ORDER BY created_ts DESC, product_id ASC"
_CHUNK = 500


def draft_row(draft: DescriptionDraft) -> tuple[str, str, int, str]:
    """The columns of a draft's row (the PostgreSQL backend stores the same)."""
    return draft.product_id, draft.status, to_micros(draft.created_at), draft.model_dump_json()


class SQLiteDraftStore:
    """The default DraftStore: one SQLite file, safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = connect_durable(self.path, _SCHEMA, SCHEMA_VERSION, "description drafts")
        self._lock = threading.RLock()

    def _drafts(self, query: str, params: Sequence[object] = ()) -> list[DescriptionDraft]:
        with self._lock:
            rows = self._conn.execute(query, list(params)).fetchall()
        return [DescriptionDraft.model_validate_json(row[-1]) for row in rows]

    def put(self, drafts: Collection[DescriptionDraft]) -> None:
        if not drafts:
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(_UPSERT, [draft_row(d) for d in drafts])
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise

    def get(self, product_id: str) -> DescriptionDraft | None:
        found = self._drafts("SELECT data FROM description_drafts WHERE product_id = ?", (product_id,))
        return found[0] if found else None

    def get_many(self, product_ids: Collection[str]) -> dict[str, DescriptionDraft]:
        wanted, found = sorted(set(product_ids)), {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT data FROM description_drafts WHERE product_id IN ({marks})"  # nosec B608
            found.update({d.product_id: d for d in self._drafts(query, chunk)})
        return dict(sorted(found.items()))

    def list(
        self, status: DraftStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[DescriptionDraft]:
        where, params = ("WHERE status = ? ", [status]) if status else ("", [])
        query = f"SELECT data FROM description_drafts {where}{_NEWEST} LIMIT ? OFFSET ?"  # nosec B608
        return self._drafts(query, [*params, max(0, limit), max(0, offset)])

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT status, COUNT(*) FROM description_drafts GROUP BY status"
            ).fetchall()
        return zero_counts({str(status): int(n) for status, n in rows})

    def decide(self, draft: DescriptionDraft, expected: DraftStatus) -> bool:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                changed = self._conn.execute(
                    "UPDATE description_drafts SET status = ?, created_ts = ?, data = ? "
                    "WHERE product_id = ? AND status = ?",
                    (
                        draft.status,
                        to_micros(draft.created_at),
                        draft.model_dump_json(),
                        draft.product_id,
                        expected,
                    ),
                ).rowcount
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return changed == 1

    def close(self) -> None:
        with self._lock:
            self._conn.close()
