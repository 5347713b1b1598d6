"""Telling a full disk from other failures, whichever library wrote.

SQLite reports SQLITE_FULL ("database or disk is full"), file writes (JSON, faiss) raise OSError
ENOSPC or EDQUOT, numpy's `tofile` an OSError without errno ("11520 requested and 3040 written":
a short write to a regular file is a full disk), and tantivy a ValueError naming `StorageFull`.
The API answers any of them with 507 and `DISK_FULL_MESSAGE`; the same request succeeds once space
is freed (what it had stored before the disk filled comes back unchanged or duplicate).
"""

from __future__ import annotations

import errno
import re
import sqlite3

DISK_FULL_MESSAGE = "insufficient storage: the data folder's disk is full"
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL = 13
_SHORT_WRITE = re.compile(r"^\d+ requested and \d+ written$")
_TANTIVY_MARKS = ("StorageFull", "QuotaExceeded", "code: 28,", "code: 122,", "No space left on device")


class DiskFullError(OSError):
    """A write refused because the disk (or the user's quota) is full; errno is ENOSPC."""

    def __init__(self, what: str) -> None:
        super().__init__(errno.ENOSPC, f"no space left on device: {what}")


def is_disk_full(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from or while handling, says the disk is
    full (a failed ROLLBACK after SQLITE_FULL, say, still counts)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_full(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _says_full(error: BaseException) -> bool:
    if isinstance(error, OSError):  # numpy's tofile reports a short write without an errno
        return error.errno in _FULL_ERRNOS or (error.errno is None and bool(_SHORT_WRITE.search(str(error))))
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return (code is not None and code & 0xFF == _SQLITE_FULL) or "disk is full" in str(error)
    if isinstance(error, ValueError):  # tantivy's IoError
        text = str(error)
        return any(mark in text for mark in _TANTIVY_MARKS)
    return False
