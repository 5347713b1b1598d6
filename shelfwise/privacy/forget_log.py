"""The forget log (`DATA_DIR/privacy.db`): how server processes learn that a shopper was forgotten
by another process (`shelfwise shoppers forget` beside a running server, or another worker).

The forgetting process deletes the shopper's rows from the stores first, then appends one row
per forgotten actor ('user:<id>', 'session:<id>'): not the id itself but its 64-bit digest,
the same one the ranking model keeps for the shoppers it learned (`rank.features.stable_hash`).
Every server process follows the log on its catch-up loop and drops the matching shoppers from
what it holds in memory (profiles, cached answers, the ranking model's known shoppers). A
process starting up reads only what is logged after it opened: it builds its state from the
stores, which no longer hold the shopper. Rows are pruned after a day (`prune`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from shelfwise.storage.urls import Databases, folder_or_url, on_database
from shelfwise.store.durable_sqlite import connect_durable, from_micros, to_micros
from shelfwise.store.erase_sqlite import delete_erasing

FORGET_LOG_FILE = "privacy.db"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS forgotten (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    digest TEXT NOT NULL,
    ts INTEGER NOT NULL
);
"""


def actor_digest(actor: str) -> int:
    """The actor's 64-bit blake2b digest, equal to `rank.features.stable_hash` of it."""
    return int.from_bytes(hashlib.blake2b(actor.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class ForgottenSince:
    last_seq: int
    digests: frozenset[int]
    earliest: datetime | None = None
    """when the earliest of them was forgotten"""


class ForgetLogStore(Protocol):
    """The forget log's operations (SQLite `ForgetLog`, `PostgresForgetLog`)."""

    def record(self, actors: Collection[str], at: datetime | None = None) -> int: ...

    def last_seq(self) -> int: ...

    def since(self, seq: int) -> ForgottenSince: ...

    def prune(self, before: datetime) -> int: ...

    def close(self) -> None: ...


def open_forget_log(target: str | Path, databases: Databases | None = None) -> ForgetLogStore:
    """A data folder (its `privacy.db`), `sqlite:///path` or `postgresql://...` (on `databases`'
    shared pool when given); `memory://` is a SQLite database in memory."""
    parsed = folder_or_url(target, FORGET_LOG_FILE, "forget log")
    if parsed.scheme == "postgresql":
        from shelfwise.privacy.forget_log_pg import PostgresForgetLog

        return PostgresForgetLog(on_database(parsed, databases))
    return ForgetLog(":memory:" if parsed.path is None else parsed.path)


class ForgetLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = connect_durable(self.path, _SCHEMA, SCHEMA_VERSION, "forget log")
        self._lock = threading.Lock()

    def record(self, actors: Collection[str], at: datetime | None = None) -> int:
        """Log the forgotten actors (durable on return); returns the seq of the last row."""
        moment = to_micros(at or datetime.now(UTC))
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for actor in sorted(set(actors)):
                    digest = f"{actor_digest(actor):016x}"
                    self._conn.execute("INSERT INTO forgotten(digest, ts) VALUES(?, ?)", (digest, moment))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return self.last_seq()

    def last_seq(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(seq) FROM forgotten").fetchone()
        return 0 if row[0] is None else int(row[0])

    def since(self, seq: int) -> ForgottenSince:
        """The digests logged after `seq`, and the seq to read after next time."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, digest, ts FROM forgotten WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        if not rows:
            return ForgottenSince(seq, frozenset())
        earliest = from_micros(min(int(ts) for _, _, ts in rows))
        return ForgottenSince(int(rows[-1][0]), frozenset(int(digest, 16) for _, digest, _ in rows), earliest)

    def prune(self, before: datetime) -> int:
        with self._lock:
            return delete_erasing(self._conn, "DELETE FROM forgotten WHERE ts < ?", [to_micros(before)])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
