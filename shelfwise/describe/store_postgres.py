"""PostgreSQL DraftStore: the `description_drafts` table (migration `descriptions/0001`), the same
rows as the SQLite file."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from shelfwise.describe.records import DescriptionDraft, DraftStatus, zero_counts
from shelfwise.describe.store_sqlite import draft_row
from shelfwise.storage.postgres import Owned, PgDatabase
from shelfwise.store.durable_sqlite import to_micros

_UPSERT = """INSERT INTO description_drafts(product_id, status, created_ts, data) VALUES (%s, %s, %s, %s)
ON CONFLICT (product_id) DO UPDATE SET status = excluded.status, created_ts = excluded.created_ts,
data = excluded.data"""
_NEWEST = "ORDER BY created_ts DESC, product_id ASC"


class PostgresDraftStore:
    """Drafts in PostgreSQL; safe to share between threads and between processes."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def _drafts(self, query: str, params: Sequence[object] = ()) -> list[DescriptionDraft]:
        with self._db.pool.connection() as conn:
            rows = conn.execute(query, params).fetchall()
        return [DescriptionDraft.model_validate_json(row[-1]) for row in rows]

    def put(self, drafts: Collection[DescriptionDraft]) -> None:
        if not drafts:
            return
        latest = {draft.product_id: draft_row(draft) for draft in drafts}  # a later one wins
        with self._db.transaction() as conn, conn.cursor() as cursor:
            cursor.executemany(_UPSERT, list(latest.values()))

    def get(self, product_id: str) -> DescriptionDraft | None:
        found = self._drafts("SELECT data FROM description_drafts WHERE product_id = %s", (product_id,))
        return found[0] if found else None

    def get_many(self, product_ids: Collection[str]) -> dict[str, DescriptionDraft]:
        found = self._drafts(
            "SELECT data FROM description_drafts WHERE product_id = ANY(%s)", (sorted(set(product_ids)),)
        )
        return {d.product_id: d for d in sorted(found, key=lambda d: d.product_id)}

    def list(
        self, status: DraftStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[DescriptionDraft]:
        where, params = ("WHERE status = %s ", [status]) if status else ("", [])
        query = f"SELECT data FROM description_drafts {where}{_NEWEST} LIMIT %s OFFSET %s"  # nosec B608
        return self._drafts(query, [*params, max(0, limit), max(0, offset)])

    def counts(self) -> dict[str, int]:
        with self._db.pool.connection() as conn:
            rows = conn.execute("SELECT status, count(*) FROM description_drafts GROUP BY status").fetchall()
        return zero_counts({str(status): int(n) for status, n in rows})

    def decide(self, draft: DescriptionDraft, expected: DraftStatus) -> bool:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE description_drafts SET status = %s, created_ts = %s, data = %s "
                "WHERE product_id = %s AND status = %s",
                (
                    draft.status,
                    to_micros(draft.created_at),
                    draft.model_dump_json(),
                    draft.product_id,
                    expected,
                ),
            ).rowcount
        return changed == 1

    def close(self) -> None:
        self._owned.close()
