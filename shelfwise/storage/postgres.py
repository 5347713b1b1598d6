"""The PostgreSQL plumbing every PostgreSQL store shares: a connection pool per database, the
schema migrated at start from the SQL files in `sql/<component>/` (`migrations.py`: under an
advisory lock, recorded in `schema_version` by component and version), and pgvector's `vector`
type read and written as float32 numpy arrays.

Writers that hand out sequence numbers (the catalog's change feed, the event log) hold a
transaction-level advisory lock from taking the number to committing, so a number becomes visible
only after every smaller one: a reader that keeps `seq > watermark` never misses a row, whichever
process wrote it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import psycopg
from psycopg import sql
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo
from psycopg_pool import ConnectionPool

from shelfwise.storage.migrations import migrate
from shelfwise.storage.urls import redact

CATALOG_LOCK = 0x5348_4C46_0001  # advisory lock keys: "SHLF" and a store number (0: migrations)
EVENTS_LOCK = 0x5348_4C46_0002
FORGET_LOCK = 0x5348_4C46_0003


class _VectorBinaryDumper(Dumper):
    """pgvector's binary form: dimensions (int16), an unused int16, then big-endian float32s."""

    format = Format.BINARY

    def dump(self, obj: object) -> bytes:
        array = np.asarray(obj, dtype=">f4").ravel()
        return struct.pack(">HH", array.size, 0) + array.tobytes()


class _VectorBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data: bytes | bytearray | memoryview) -> np.ndarray:
        (dims,) = struct.unpack_from(">H", data)
        return np.frombuffer(data, dtype=">f4", count=dims, offset=4).astype(np.float32)


class _VectorTextLoader(Loader):
    def load(self, data: bytes | bytearray | memoryview) -> np.ndarray:
        text = bytes(data).decode().strip("[]")
        return np.array([float(x) for x in text.split(",")] if text else [], dtype=np.float32)


def _register_vector(conn: psycopg.Connection) -> None:
    info = TypeInfo.fetch(conn, "vector")
    conn.commit()  # the lookup opened a transaction: the pool wants an idle connection
    if info is None:  # the extension is created by migration embeddings/0001; absent before it
        return
    dumper = type("VectorDumper", (_VectorBinaryDumper,), {"oid": info.oid})
    conn.adapters.register_dumper(np.ndarray, dumper)
    conn.adapters.register_loader(info.oid, _VectorBinaryLoader)
    conn.adapters.register_loader(info.oid, _VectorTextLoader)


class PgDatabase:
    """A connection pool on one PostgreSQL database whose schema is current. Stores opened by
    `ShopData` share one per database; a store opened alone owns its own."""

    def __init__(self, dsn: str, max_size: int = 8) -> None:
        self.dsn = dsn
        try:
            with psycopg.connect(dsn) as conn:
                migrate(conn)
        except psycopg.OperationalError as error:
            raise RuntimeError(f"cannot open PostgreSQL database {redact(dsn)}: {error}") from error
        self.pool = ConnectionPool(
            dsn, min_size=1, max_size=max_size, configure=_register_vector, open=True, name="shelfwise"
        )

    @contextmanager
    def transaction(self, lock: int | None = None) -> Iterator[psycopg.Connection]:
        """A pooled connection in one transaction (committed on a clean exit, else rolled back),
        holding the advisory lock `lock` until it ends."""
        with self.pool.connection() as conn, conn.transaction():
            if lock is not None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
            yield conn

    def close(self) -> None:
        self.pool.close()


class Databases:
    """One `PgDatabase` per connection URL, for the stores of one shop to share; closed together."""

    def __init__(self) -> None:
        self._open: dict[str, PgDatabase] = {}

    def get(self, dsn: str) -> PgDatabase:
        if dsn not in self._open:
            self._open[dsn] = PgDatabase(dsn)
        return self._open[dsn]

    def close(self) -> None:
        for database in self._open.values():
            database.close()
        self._open.clear()


class Owned:
    """A PostgreSQL store's database: its own (closed with the store) or shared (left open)."""

    def __init__(self, dsn_or_database: str | PgDatabase) -> None:
        if isinstance(dsn_or_database, PgDatabase):
            self.db, self._own = dsn_or_database, False
        else:
            self.db, self._own = PgDatabase(dsn_or_database), True

    def close(self) -> None:
        if self._own:
            self.db.close()


def purge_older(db: PgDatabase, table: str, cutoff_micros: int) -> int:
    """Delete `table`'s rows with `ts` before the cutoff, 5,000 to a transaction (so that writers
    wait little during a large purge); returns how many went."""
    query = sql.SQL(
        "DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE ts < %s LIMIT 5000))"
    ).format(table=sql.Identifier(table))
    deleted = 0
    while True:
        with db.transaction() as conn:
            done = conn.execute(query, (cutoff_micros,)).rowcount
        deleted += done
        if done == 0:
            return deleted
