"""Deleting rows from a SQLite log so that their content leaves the files: forgetting a shopper
and retention purges. `secure_delete` overwrites the freed space with zeros, and a checkpoint
that truncates the write-ahead log removes its older copies of the pages (when no other
connection is still reading them: then the next checkpoint does)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager

logger = logging.getLogger(__name__)

_CHUNK = 500  # parameters per statement, well under SQLite's limit


def delete_erasing(
    conn: sqlite3.Connection, query: str, params: Sequence[object], checkpoint: bool = True
) -> int:
    """Run a DELETE in one transaction and return how many rows went. A `query` with `{}` takes
    `params` as the values of an IN list (in chunks); otherwise `params` are its parameters."""
    conn.execute("PRAGMA secure_delete=ON")
    deleted = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        if "{}" in query:
            for start in range(0, len(params), _CHUNK):
                chunk = list(params[start : start + _CHUNK])
                deleted += conn.execute(query.format(", ".join("?" * len(chunk))), chunk).rowcount
        else:
            deleted = conn.execute(query, list(params)).rowcount
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if checkpoint and deleted:
        checkpoint_quietly(conn)
    return deleted


def delete_older(
    conn: sqlite3.Connection, lock: AbstractContextManager[object], table: str, cutoff_micros: int
) -> int:
    """Delete `table`'s rows with `ts` before the cutoff, 5,000 to a transaction (the lock held
    only for each), so that writers wait little during a large purge; returns how many went."""
    query = f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE ts < ? LIMIT 5000)"
    deleted = 0
    while True:
        with lock:
            done = delete_erasing(conn, query, [cutoff_micros], checkpoint=False)
        deleted += done
        if done == 0:
            break
    if deleted:
        with lock:
            checkpoint_quietly(conn)
    return deleted


def matching_rowids(conn: sqlite3.Connection, query: str, params: Sequence[object]) -> list[int]:
    """The rowids a SELECT finds, read outside any write transaction (a table without an index on
    the column is scanned while writers go on); `{}` in `query` takes `params` as an IN list."""
    if "{}" not in query:
        return [int(rowid) for (rowid,) in conn.execute(query, list(params))]
    found: list[int] = []
    for start in range(0, len(params), _CHUNK):
        chunk = list(params[start : start + _CHUNK])
        found += [int(rowid) for (rowid,) in conn.execute(query.format(", ".join("?" * len(chunk))), chunk)]
    return found


def checkpoint_quietly(conn: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the database and truncate it, as far as readers allow."""
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as error:  # busy: the deleted rows are already unreadable
        logger.debug("checkpoint after a deletion deferred: %s", error)
