"""PostgreSQL Store and EmbeddingCache: the catalog with its change feed, and pgvector embeddings.

The change feed is an outbox table, `catalog_outbox`, written in the same transaction as the
product change: the latest change of each product with a `seq` from the database's sequence,
taken under the catalog's advisory lock, so several processes writing one catalog hand out
numbers that commit in order. Each write also sends a NOTIFY on `shelfwise_catalog` (a wake-up
only: readers always read `seq > watermark`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import psycopg

from shelfwise.records import Product
from shelfwise.storage.postgres import CATALOG_LOCK, Owned, PgDatabase
from shelfwise.store.base import Change, UpsertOutcome

CHANNEL = "shelfwise_catalog"
_UPSERT = (
    "INSERT INTO products(product_id, data, hash) VALUES (%s, %s, %s) "
    "ON CONFLICT (product_id) DO UPDATE SET data = excluded.data, hash = excluded.hash"
)
_CHANGE = (
    "INSERT INTO catalog_outbox(product_id, seq, deleted) VALUES (%s, nextval('catalog_seq'), %s) "
    "ON CONFLICT (product_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted"
)


def _record_changes(conn: psycopg.Connection, changes: list[tuple[str, bool]]) -> None:
    """Outbox rows for the changes, in order, then the wake-up (sent at commit)."""
    if not changes:
        return
    with conn.cursor() as cursor:
        cursor.executemany(_CHANGE, changes)
    conn.execute("SELECT pg_notify(%s, '')", (CHANNEL,))


class PostgresStore:
    """The catalog in PostgreSQL; safe to share between threads and between processes."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def upsert(self, products: Sequence[Product]) -> list[UpsertOutcome]:
        if not products:
            return []
        ids = list(dict.fromkeys(p.product_id for p in products))
        with self._db.transaction(lock=CATALOG_LOCK) as conn:
            known: dict[str, str] = dict(
                conn.execute("SELECT product_id, hash FROM products WHERE product_id = ANY(%s)", (ids,))
            )
            outcomes, rows = _plan_upsert(products, known)
            if rows:
                with conn.cursor() as cursor:
                    cursor.executemany(_UPSERT, rows)
                _record_changes(conn, [(row[0], False) for row in rows])
        return outcomes

    def get(self, product_id: str) -> Product | None:
        with self._db.pool.connection() as conn:
            row = conn.execute("SELECT data FROM products WHERE product_id = %s", (product_id,)).fetchone()
        return None if row is None else Product.model_validate_json(row[0])

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        ids = list(dict.fromkeys(product_ids))
        if not ids:
            return {}
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT product_id, data FROM products WHERE product_id = ANY(%s)", (ids,)
            ).fetchall()
        return {pid: Product.model_validate_json(data) for pid, data in rows}

    def delete(self, product_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(product_ids))
        if not ids:
            return []
        with self._db.transaction(lock=CATALOG_LOCK) as conn:
            gone = {pid for (pid,) in conn.execute(
                "DELETE FROM products WHERE product_id = ANY(%s) RETURNING product_id", (ids,)
            )}  # fmt: skip
            ordered = [pid for pid in ids if pid in gone]
            _record_changes(conn, [(pid, True) for pid in ordered])
        return ordered

    def count(self) -> int:
        with self._db.pool.connection() as conn:
            return int(conn.execute("SELECT count(*) FROM products").fetchone()[0])  # type: ignore[index]

    def iter_products(self, batch_size: int = 1000) -> Iterator[Product]:
        last = ""
        while True:
            with self._db.pool.connection() as conn:
                rows = conn.execute(
                    "SELECT product_id, data FROM products WHERE product_id > %s "
                    "ORDER BY product_id LIMIT %s",
                    (last, max(1, batch_size)),
                ).fetchall()
            if not rows:
                return
            for _, data in rows:
                yield Product.model_validate_json(data)
            last = rows[-1][0]

    def last_seq(self) -> int:
        """The largest seq in the outbox: a deleted product keeps its row (a tombstone), and a
        rolled-back write leaves none, so this is the seq of the latest committed change."""
        with self._db.pool.connection() as conn:
            row = conn.execute("SELECT coalesce(max(seq), 0) FROM catalog_outbox").fetchone()
        return int(row[0])  # type: ignore[index]

    def changes_since(self, seq: int) -> list[Change]:
        with self._db.pool.connection() as conn:
            rows = conn.execute(
                "SELECT seq, product_id, deleted FROM catalog_outbox WHERE seq > %s ORDER BY seq", (seq,)
            ).fetchall()
        return [Change(int(s), pid, bool(deleted)) for s, pid, deleted in rows]

    def put_document(self, key: str, value: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO documents(key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def get_document(self, key: str) -> str | None:
        with self._db.pool.connection() as conn:
            row = conn.execute("SELECT value FROM documents WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self._owned.close()


def _plan_upsert(
    products: Sequence[Product], known: dict[str, str]
) -> tuple[list[UpsertOutcome], list[tuple[str, str, str]]]:
    """Outcomes in order (a product repeated in the batch is compared with its earlier copy) and
    the rows to write, one per product that changed (its last copy)."""
    outcomes: list[UpsertOutcome] = []
    latest: dict[str, tuple[str, str, str]] = {}
    for product in products:
        digest = product.content_hash()
        previous = known.get(product.product_id)
        if previous == digest:
            outcomes.append(UpsertOutcome.UNCHANGED)
            continue
        known[product.product_id] = digest
        latest.pop(product.product_id, None)  # moved to the end: changes keep the batch's order
        latest[product.product_id] = (product.product_id, product.model_dump_json(), digest)
        outcomes.append(UpsertOutcome.INSERTED if previous is None else UpsertOutcome.UPDATED)
    return outcomes, list(latest.values())


class PostgresEmbeddingCache:
    """Embedding vectors in a pgvector `vector` column, keyed by (model version, text hash)."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def get(self, model_version: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        hashes = list(dict.fromkeys(text_hashes))
        found: dict[str, np.ndarray] = {}
        with self._db.pool.connection() as conn, conn.cursor(binary=True) as cursor:
            for start in range(0, len(hashes), 5000):
                cursor.execute(
                    "SELECT text_hash, vector FROM embeddings "
                    "WHERE model_version = %s AND text_hash = ANY(%s)",
                    (model_version, hashes[start : start + 5000]),
                )
                found.update(cursor.fetchall())
        return found

    def put(self, model_version: str, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [(model_version, digest, np.asarray(v, dtype=np.float32)) for digest, v in vectors.items()]
        if not rows:
            return
        with self._db.transaction() as conn, conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO embeddings(model_version, text_hash, vector) VALUES (%s, %s, %b) "
                "ON CONFLICT (model_version, text_hash) DO UPDATE SET vector = excluded.vector",
                rows,
            )

    def close(self) -> None:
        self._owned.close()
