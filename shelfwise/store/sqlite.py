"""SQLite Store and EmbeddingCache (WAL mode; each batch is one transaction, durable on return)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from shelfwise.records import Product
from shelfwise.store.base import Change, UpsertOutcome
from shelfwise.store.durable_sqlite import rollback

_SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    product_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    product_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_seq ON changes(seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    model_version TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_version, text_hash)
);
"""


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.executescript(_SCHEMA)
    return conn


class SQLiteStore:
    """The default Store: one SQLite file, safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = _connect(self.path)
        self._lock = threading.RLock()

    def _next_seq(self) -> int:
        row = self._conn.execute(
            "INSERT INTO counters(name, value) VALUES('seq', 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value"
        ).fetchone()
        return int(row[0])

    def upsert(self, products: Sequence[Product]) -> list[UpsertOutcome]:
        outcomes: list[UpsertOutcome] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for product in products:
                    outcomes.append(self._upsert_one(product))
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return outcomes

    def _upsert_one(self, product: Product) -> UpsertOutcome:
        digest = product.content_hash()
        row = self._conn.execute(
            "SELECT hash FROM products WHERE product_id = ?", (product.product_id,)
        ).fetchone()
        if row is not None and row[0] == digest:
            return UpsertOutcome.UNCHANGED
        self._conn.execute(
            "INSERT INTO products(product_id, data, hash) VALUES(?, ?, ?) "
            "ON CONFLICT(product_id) DO UPDATE SET data = excluded.data, hash = excluded.hash",
            (product.product_id, product.model_dump_json(), digest),
        )
        self._record_change(product.product_id, deleted=False)
        return UpsertOutcome.INSERTED if row is None else UpsertOutcome.UPDATED

    def _record_change(self, product_id: str, deleted: bool) -> None:
        self._conn.execute(
            "INSERT INTO changes(product_id, seq, deleted) VALUES(?, ?, ?) "
            "ON CONFLICT(product_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted",
            (product_id, self._next_seq(), int(deleted)),
        )

    def get(self, product_id: str) -> Product | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM products WHERE product_id = ?", (product_id,)
            ).fetchone()
        return None if row is None else Product.model_validate_json(row[0])

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        ids = list(dict.fromkeys(product_ids))
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for pid, data in self._conn.execute(
                    f"SELECT product_id, data FROM products WHERE product_id IN ({marks})", chunk
                ):
                    found[pid] = Product.model_validate_json(data)
        return found

    def delete(self, product_ids: Sequence[str]) -> list[str]:
        gone: list[str] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for pid in product_ids:
                    cursor = self._conn.execute("DELETE FROM products WHERE product_id = ?", (pid,))
                    if cursor.rowcount:
                        self._record_change(pid, deleted=True)
                        gone.append(pid)
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return gone

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM products").fetchone()[0])

    def iter_products(self, batch_size: int = 1000) -> Iterator[Product]:
        last = ""
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT product_id, data FROM products WHERE product_id > ? ORDER BY product_id LIMIT ?",
                    (last, batch_size),
                ).fetchall()
            if not rows:
                return
            for _, data in rows:
                yield Product.model_validate_json(data)
            last = rows[-1][0]

    def last_seq(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()
        return 0 if row is None else int(row[0])

    def changes_since(self, seq: int) -> list[Change]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, product_id, deleted FROM changes WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        return [Change(int(s), pid, bool(d)) for s, pid, d in rows]

    def put_document(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO documents(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def get_document(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM documents WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SQLiteEmbeddingCache:
    """Embedding vectors as float32 blobs; may share the file of a SQLiteStore."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = _connect(self.path)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()

    def get(self, model_version: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        hashes = list(dict.fromkeys(text_hashes))
        with self._lock:
            for start in range(0, len(hashes), 500):
                chunk = hashes[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for digest, blob in self._conn.execute(
                    f"SELECT text_hash, vector FROM embeddings "
                    f"WHERE model_version = ? AND text_hash IN ({marks})",
                    [model_version, *chunk],
                ):
                    found[digest] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put(self, model_version: str, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [
            (model_version, digest, np.asarray(v, dtype=np.float32).tobytes())
            for digest, v in vectors.items()
        ]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO embeddings(model_version, text_hash, vector) VALUES(?, ?, ?)",
                    rows,
                )
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()
