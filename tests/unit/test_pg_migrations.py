"""The PostgreSQL schema: SQL files numbered per component, applied once, recorded in
`schema_version` by (component, version); two files with one number, a gap or a misplaced file
are refused naming the files; several processes migrating at once apply each file once; a
database newer than the code is refused; a database of the global numbering (0001..0004) is
converted and keeps working."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from shelfwise.storage.migrations import (
    COMPONENTS,
    LEGACY_VERSIONS,
    MigrationFilesError,
    migrate,
    migrations,
)
from shelfwise.storage.postgres import PgDatabase


def test_each_component_is_numbered_from_one_without_gaps() -> None:
    found = migrations()
    assert {m.component for m in found} == set(COMPONENTS)
    for component in COMPONENTS:
        versions = [m.version for m in found if m.component == component]
        assert versions == list(range(1, len(versions) + 1)), component
    assert len({(m.component, m.version) for m in found}) == len(found)
    assert all(m.sql.strip() for m in found)


def _folder(tmp_path: Path, *files: str) -> Path:
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;")
    return tmp_path


def test_two_files_with_one_number_are_refused_naming_both(tmp_path: Path) -> None:
    root = _folder(tmp_path, "stores/0001_stores.sql", "stores/0002_brands.sql", "stores/0002_colours.sql")
    with pytest.raises(MigrationFilesError, match="stores/0002_brands.sql and stores/0002_colours.sql have"):
        migrations(root)


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (("jobs/0001_jobs.sql", "jobs/0003_retry.sql"), "jobs/ is numbered 0001, 0003"),
        (("jobs/0001_jobs.sql", "0005_old_style.sql"), "0005_old_style.sql is not in a component folder"),
        (("jobs/0001_jobs.sql", "jobs/2_retry.sql"), "jobs/2_retry.sql is not named NNNN_name.sql"),
        (("jobs/0001_jobs.sql", "carts/0001_carts.sql"), "carts/ is not a known component"),
    ],
)
def test_gaps_and_misplaced_files_are_refused(tmp_path: Path, files: tuple[str, ...], said: str) -> None:
    with pytest.raises(MigrationFilesError, match=said):
        migrations(_folder(tmp_path, *files))


def test_migrations_apply_once_and_are_recorded(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        assert migrate(conn) == [(m.component, m.version) for m in migrations()]
        assert migrate(conn) == []
        names = conn.execute(
            "SELECT component, version, name FROM schema_version ORDER BY component, version"
        ).fetchall()
        assert names == sorted((m.component, m.version, m.name) for m in migrations())
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
        conn.execute("INSERT INTO schema_version(component, version, name) VALUES ('jobs', 9999, 'future')")
    with pytest.raises(RuntimeError, match="schema version 9999 of jobs is newer"):
        PgDatabase(postgres_url)


def _legacy_database(url: str, applied: int) -> None:
    """What the global numbering (sql/0001..0004, before per-component folders) left: its
    `schema_version(version, name, applied_at)` and the tables of its first `applied` files."""
    by_legacy = {LEGACY_VERSIONS[v]: v for v in LEGACY_VERSIONS}
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in migrations():
            version = by_legacy.get((migration.component, migration.version))  # None: a newer file
            if version is not None and version <= applied:
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_version(version, name, applied_at) VALUES (%s, %s, %s)",
                    (version, migration.name, f"2026-11-0{version} 12:00:00+00"),
                )
        conn.execute("INSERT INTO documents(key, value) VALUES ('kept', 'yes')")


LEGACY_VERSIONS_OF = {component: v for v, (component, _) in LEGACY_VERSIONS.items()}


@pytest.mark.parametrize("applied", [4, 2])
def test_a_database_of_the_global_numbering_is_converted_and_kept(postgres_url: str, applied: int) -> None:
    _legacy_database(postgres_url, applied)
    PgDatabase(postgres_url).close()  # converts, then applies only what the database lacked
    PgDatabase(postgres_url).close()  # and again: nothing to do
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT component, version, name, applied_at < now() - interval '1 day' FROM schema_version"
        ).fetchall()
        assert conn.execute("SELECT value FROM documents WHERE key = 'kept'").fetchone() == ("yes",)
        assert conn.execute("SELECT count(*) FROM jobs").fetchone() == (0,)
    assert sorted(rows) == sorted(
        (
            m.component,
            m.version,
            m.name,
            LEGACY_VERSIONS_OF.get(m.component, len(LEGACY_VERSIONS) + 1) <= applied,
        )
        for m in migrations()
    )


def test_a_database_of_the_global_numbering_past_0004_is_refused(postgres_url: str) -> None:
    _legacy_database(postgres_url, 4)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version(version, name) VALUES (5, 'from_the_future')")
    with pytest.raises(RuntimeError, match="schema version 5 is newer"):
        PgDatabase(postgres_url)


def test_an_unreachable_database_names_itself_without_the_password() -> None:
    url = "postgresql://shop:s3cret@/nowhere?host=/nonexistent-socket-dir&connect_timeout=2"
    with pytest.raises(RuntimeError, match="cannot open PostgreSQL database") as refused:
        PgDatabase(url)
    assert "s3cret" not in str(refused.value)
