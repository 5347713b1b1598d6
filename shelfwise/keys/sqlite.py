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
from typing import cast

from shelfwise.keys.base import Action, ApiKey
from shelfwise.store.durable_sqlite import connect_durable, from_micros, to_micros

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
_INSERT = (
    "INSERT INTO api_keys(key_id, actions, description, created_at, expires_at, revoked_at, key_hash, "
    "signing_secret) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT key_id, actions, description, created_at, expires_at, revoked_at, key_hash, signing_secret "
    "FROM api_keys"
)


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def _record(row: tuple[str, str, str, int, int | None, int | None, str, str]) -> ApiKey:
    key_id, actions, description, created, expires, revoked, key_hash, signing = row
    return ApiKey(
        key_id=key_id, actions=tuple(cast(Action, a) for a in actions.split(",") if a),
        description=description, created_at=from_micros(created), key_hash=key_hash,
        signing_secret=signing, expires_at=_moment(expires), revoked_at=_moment(revoked),
    )  # fmt: skip


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
                conn.execute(
                    _INSERT,
                    (key.key_id, ",".join(key.actions), key.description, to_micros(key.created_at),
                     _micros(key.expires_at), _micros(key.revoked_at), key.key_hash, key.signing_secret),
                )  # fmt: skip
            except sqlite3.IntegrityError as error:
                raise ValueError(f"key id '{key.key_id}' is taken") from error

    def get(self, key_id: str) -> ApiKey | None:
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return None
            row = conn.execute(_SELECT + " WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else _record(row)

    def list(self) -> list[ApiKey]:
        with self._lock:
            conn = self._connection(create=False)
            if conn is None:
                return []
            rows = conn.execute(_SELECT + " ORDER BY created_at, key_id").fetchall()
        return [_record(row) for row in rows]

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
