"""The PostgreSQL schema: versioned SQL files applied once, recorded in `schema_version`; several
processes migrating at once apply each file once; a database newer than the code is refused."""

from __future__ import annotations

import threading

import psycopg
import pytest

from shelfwise.storage.postgres import PgDatabase, migrate, migrations


def test_files_are_numbered_from_one_without_gaps() -> None:
    assert [m.version for m in migrations()] == list(range(1, len(migrations()) + 1))
    assert all(m.sql.strip() for m in migrations())


def test_migrations_apply_once_and_are_recorded(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        assert migrate(conn) == [m.version for m in migrations()]
        assert migrate(conn) == []
        names = conn.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert names == [(m.version, m.name) for m in migrations()]
        assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone()


def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            PgDatabase(postgres_url).close()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone() == (len(migrations()),)


def test_a_newer_database_is_refused(postgres_url: str) -> None:
    PgDatabase(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version(version, name) VALUES (9999, 'from_the_future')")
    with pytest.raises(RuntimeError, match="schema version 9999 is newer"):
        PgDatabase(postgres_url)


def test_an_unreachable_database_names_itself_without_the_password() -> None:
    url = "postgresql://shop:s3cret@/nowhere?host=/nonexistent-socket-dir&connect_timeout=2"
    with pytest.raises(RuntimeError, match="cannot open PostgreSQL database") as refused:
        PgDatabase(url)
    assert "s3cret" not in str(refused.value)
