"""The PostgreSQL KeyStore: the `api_keys` table (hashes and signing secrets, never the keys),
shared by every server process and the CLI; each lookup reads the table, so a key revoked
anywhere is refused everywhere at its next request."""

from __future__ import annotations

from datetime import datetime

import psycopg

from shelfwise.keys.base import ApiKey
from shelfwise.keys.rows import INSERT_KEY, SELECT_KEYS, key_from_row, key_row
from shelfwise.storage.postgres import Owned, PgDatabase
from shelfwise.store.durable_sqlite import to_micros

_INSERT_PG = INSERT_KEY.replace("?", "%s")


class PostgresKeyStore:
    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def add(self, key: ApiKey) -> None:
        row = key_row(key)
        try:
            with self._db.transaction() as conn:
                conn.execute(_INSERT_PG.encode(), row)
        except psycopg.errors.UniqueViolation as error:
            raise ValueError(f"key id '{key.key_id}' is taken") from error

    def get(self, key_id: str) -> ApiKey | None:
        with self._db.pool.connection() as conn:
            row = conn.execute((SELECT_KEYS + " WHERE key_id = %s").encode(), (key_id,)).fetchone()
        return None if row is None else key_from_row(row)

    def list(self) -> list[ApiKey]:
        with self._db.pool.connection() as conn:
            rows = conn.execute((SELECT_KEYS + " ORDER BY created_at, key_id").encode()).fetchall()
        return [key_from_row(row) for row in rows]

    def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE api_keys SET revoked_at = %s WHERE key_id = %s AND revoked_at IS NULL",
                (to_micros(at), key_id),
            )
        return self.get(key_id)

    def close(self) -> None:
        self._owned.close()
