"""The PostgreSQL KeyStore: the `api_keys` table (hashes and signing secrets, never the keys),
shared by every server process and the CLI; each lookup reads the table, so a key revoked
anywhere is refused everywhere at its next request."""

from __future__ import annotations

from datetime import datetime

import psycopg

from shelfwise.keys.base import ApiKey
from shelfwise.keys.sqlite import _INSERT, _SELECT, _micros, _record
from shelfwise.storage.postgres import Owned, PgDatabase
from shelfwise.store.durable_sqlite import to_micros

_INSERT_PG = _INSERT.replace("?", "%s")


class PostgresKeyStore:
    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def add(self, key: ApiKey) -> None:
        row = (key.key_id, ",".join(key.actions), key.description, to_micros(key.created_at),
               _micros(key.expires_at), _micros(key.revoked_at), key.key_hash,
               key.signing_secret)  # fmt: skip
        try:
            with self._db.transaction() as conn:
                conn.execute(_INSERT_PG.encode(), row)
        except psycopg.errors.UniqueViolation as error:
            raise ValueError(f"key id '{key.key_id}' is taken") from error

    def get(self, key_id: str) -> ApiKey | None:
        with self._db.pool.connection() as conn:
            row = conn.execute((_SELECT + " WHERE key_id = %s").encode(), (key_id,)).fetchone()
        return None if row is None else _record(row)

    def list(self) -> list[ApiKey]:
        with self._db.pool.connection() as conn:
            rows = conn.execute((_SELECT + " ORDER BY created_at, key_id").encode()).fetchall()
        return [_record(row) for row in rows]

    def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE api_keys SET revoked_at = %s WHERE key_id = %s AND revoked_at IS NULL",
                (to_micros(at), key_id),
            )
        return self.get(key_id)

    def close(self) -> None:
        self._owned.close()
