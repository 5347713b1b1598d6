"""A full disk is told apart from other failures, whichever library reported it, and the API answers
it with 507; any other OSError or SQLite error is still a 500."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shelfwise.disk_full import DISK_FULL_MESSAGE, DiskFullError, is_disk_full
from shelfwise.serve.errors import RequestContextMiddleware, install_error_handlers

TANTIVY = ("Failed to open file for write: 'IoError { io_error: Custom { kind: StorageFull, error: "
           "PathError { path: \"/x/.tmp1\", err: Os { code: 28, kind: StorageFull, message: \"No space "
           "left on device\" } } }, filepath: \"a.fieldnorm\" }'")  # fmt: skip


def _masked() -> sqlite3.OperationalError:
    """The failed ROLLBACK raised while handling SQLITE_FULL."""
    error = sqlite3.OperationalError("cannot rollback - no transaction is active")
    error.__context__ = sqlite3.OperationalError("database or disk is full")
    return error


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), OSError(errno.EDQUOT, "Disk quota exceeded"),
     sqlite3.OperationalError("database or disk is full"), ValueError(TANTIVY),
     OSError("11520 requested and 3040 written"), DiskFullError("vector files"), _masked()],
)  # fmt: skip
def test_full_disks(error: BaseException) -> None:
    assert is_disk_full(error)


@pytest.mark.parametrize(
    "error",
    [FileNotFoundError(errno.ENOENT, "gone"), OSError("something else"),
     sqlite3.OperationalError("database is locked"), ValueError("bad value"), RuntimeError("x"), None],
)  # fmt: skip
def test_other_failures(error: BaseException | None) -> None:
    assert not is_disk_full(error)


def _app(error: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.put("/write")
    def write() -> None:
        raise error

    return TestClient(app)


def test_a_full_disk_is_a_507() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    for error in (OSError(errno.ENOSPC, "No space left on device"), full, DiskFullError("lexical")):
        answer = _app(error).put("/write")
        assert answer.status_code == 507
        assert answer.json()["error"] == DISK_FULL_MESSAGE
        assert "free space" in answer.json()["detail"]


def test_other_storage_errors_stay_500s() -> None:
    for error in (FileNotFoundError(errno.ENOENT, "gone"), sqlite3.OperationalError("database is locked")):
        answer = _app(error).put("/write")
        assert answer.status_code == 500
        assert answer.json()["error"] == "internal error" and answer.json()["request_id"]
