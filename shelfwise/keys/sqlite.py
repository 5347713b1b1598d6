"""The SQLite KeyStore: `keys.db` in the data folder, shared by the server's workers and the CLI.

Rows hold a key's id, actions, description, times, SHA-256 hash and signing secret, never the key.
The file is created by the first key stored; until then every lookup finds nothing. Each lookup
reads the file, so a key revoked by the CLI is refused by every worker at its next request.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from shelfwise.keys.base import ApiKey
from shelfwise.keys.rows import INSERT_KEY, SELECT_KEYS, key_from_row, key_row
from shelfwise.store.durable_sqlite import connect_durable, to_micros

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    actions TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    key_hash TEXT NOT NULL,
    signing_secret TEXT NOT NULL
);
"""


class SQLiteKeyStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is None and (create or self.path.exists()):
            self._conn = connect_durable(self.path, _SCHEMA, SCHEMA_VERSION, "key store")
        return self._conn

    def add(self, key: ApiKey) -> None:
        with self._lock:
            conn = self._connection(create=True)
            assert conn is not None
            try:
                conn.execute(INSERT_KEY, key_row(key))
            except sqlite3.IntegrityError as error:
                raise ValueError(f"key id '{key.key_id}' is taken") from error

    def get(self, key_id: str) -> ApiKey | None:
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return None
            row = conn.execute(SELECT_KEYS + " WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else key_from_row(row)

    def list(self) -> list[ApiKey]:
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return []
            rows = conn.execute(SELECT_KEYS + " ORDER BY created_at, key_id").fetchall()
        return [key_from_row(row) for row in rows]

    def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return None
            conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (to_micros(at), key_id),
            )
        return self.get(key_id)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
