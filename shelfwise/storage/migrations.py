"""The PostgreSQL schema's migrations: SQL files numbered per component, in
`sql/<component>/NNNN_name.sql` (`stores`: the catalog, events, impressions, exposures, keys and
shared answers; `embeddings`; `forget_log`; `jobs`; `reviews`; `descriptions`), applied at start
under an advisory lock and recorded in `schema_version` by (component, version).

Each component counts 1, 2, 3... on its own, so work on two stores never competes for a number.
Two files with one number in one folder (two branches that each added the next migration), a gap,
a misnamed file or a file outside a component folder make the loader refuse to start, naming the
files: a collision cannot go unnoticed. Components are applied in `COMPONENTS` order (a new
store's folder is added there); a migration changes only its own component's tables.

A database migrated before the per-component numbering has `schema_version(version, name)` with
the global numbers 1-4; it is converted in place (`LEGACY_VERSIONS`), keeping when each was applied.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import psycopg

MIGRATION_LOCK = 0x5348_4C46_0000  # advisory lock key: "SHLF" and store number 0
COMPONENTS = ("stores", "embeddings", "forget_log", "jobs", "reviews", "descriptions")
LEGACY_VERSIONS = {1: ("stores", 1), 2: ("embeddings", 1), 3: ("forget_log", 1), 4: ("jobs", 1)}
"""the single global numbering's versions (sql/0001..0004) as (component, version)"""
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_TABLE = ("schema_version (component text NOT NULL, version integer NOT NULL, name text NOT NULL, "
          "applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))")  # fmt: skip


class MigrationFilesError(RuntimeError):
    """The package's migration files are not numbered 1, 2, 3... in each component folder."""


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str

    @property
    def file(self) -> str:
        return f"{self.component}/{self.version:04d}_{self.name}.sql"


def migrations(root: Traversable | None = None) -> list[Migration]:
    """The SQL files under `root` (default: the package's `sql/`), in the order they apply:
    `COMPONENTS` order, then version. `MigrationFilesError` naming every misplaced, misnamed,
    duplicated or missing number."""
    root = root or resources.files("shelfwise.storage").joinpath("sql")
    found: list[Migration] = []
    problems: list[str] = []
    for folder in sorted(root.iterdir(), key=lambda entry: entry.name):
        if folder.is_file():
            if folder.name.endswith(".sql"):
                problems.append(f"{folder.name} is not in a component folder (sql/<component>/NNNN_name.sql)")
            continue
        if folder.name.startswith(("_", ".")):
            continue
        if folder.name not in COMPONENTS:
            problems.append(f"{folder.name}/ is not a known component (add it to COMPONENTS)")
        for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
            match = _FILE.match(entry.name)
            if match:
                found.append(
                    Migration(folder.name, int(match[1]), match[2], entry.read_text(encoding="utf-8"))
                )
            elif entry.name.endswith(".sql"):
                problems.append(f"{folder.name}/{entry.name} is not named NNNN_name.sql")
    problems += _numbering_problems(found)
    if problems:
        raise MigrationFilesError("schema migration files: " + "; ".join(problems))
    order = {component: i for i, component in enumerate(COMPONENTS)}
    return sorted(found, key=lambda m: (order.get(m.component, len(order)), m.version))


def _numbering_problems(found: list[Migration]) -> list[str]:
    by_version: dict[tuple[str, int], list[str]] = defaultdict(list)
    for migration in found:
        by_version[migration.component, migration.version].append(migration.file)
    problems = [f"{' and '.join(sorted(files))} have the same number: renumber one of them"
                for files in by_version.values() if len(files) > 1]  # fmt: skip
    for component in sorted({m.component for m in found}):
        numbers = sorted({v for c, v in by_version if c == component})
        if numbers != list(range(1, len(numbers) + 1)):
            listed = ", ".join(f"{n:04d}" for n in numbers)
            problems.append(f"{component}/ is numbered {listed}: it must count 0001, 0002... without gaps")
    return problems


def migrate(conn: psycopg.Connection) -> list[tuple[str, int]]:
    """Apply the migrations this database lacks, one transaction, under an advisory lock (several
    processes starting at once apply each file once); returns the (component, version) applied."""
    known = migrations()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        _convert_legacy(conn)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE}".encode())
        done = {(str(c), int(v)) for c, v in conn.execute("SELECT component, version FROM schema_version")}
        _refuse_newer(done, known)
        applied = []
        for migration in known:
            if (migration.component, migration.version) in done:
                continue
            _apply(conn, migration)
            applied.append((migration.component, migration.version))
    return applied


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    try:
        conn.execute(migration.sql.encode())  # no parameters: several statements in one go
    except psycopg.Error as error:  # e.g. a role that may not CREATE EXTENSION vector
        raise RuntimeError(
            f"schema migration {migration.file} failed: {error} "
            "(the pgvector extension must be installed; creating it needs a role allowed to, "
            "or create it once as an administrator: CREATE EXTENSION vector)"
        ) from error
    conn.execute(
        "INSERT INTO schema_version(component, version, name) VALUES (%s, %s, %s)",
        (migration.component, migration.version, migration.name),
    )


def _refuse_newer(done: set[tuple[str, int]], known: list[Migration]) -> None:
    newest: dict[str, int] = defaultdict(int)
    for migration in known:
        newest[migration.component] = max(newest[migration.component], migration.version)
    for component, version in sorted(done):
        if version > newest[component]:
            raise RuntimeError(
                f"database schema version {version} of {component} is newer than this Shelfwise knows "
                f"({newest[component]})"
            )


def _convert_legacy(conn: psycopg.Connection) -> None:
    """A `schema_version` of the global numbering (no `component` column) becomes the
    per-component table, each row mapped by `LEGACY_VERSIONS` with its time kept."""
    columns = {
        str(name)
        for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'schema_version'"
        )
    }
    if not columns or "component" in columns:
        return
    rows = conn.execute("SELECT version, name, applied_at FROM schema_version ORDER BY version").fetchall()
    unknown = [int(version) for version, _, _ in rows if int(version) not in LEGACY_VERSIONS]
    if unknown:
        newest = max(LEGACY_VERSIONS)
        raise RuntimeError(
            f"database schema version {max(unknown)} is newer than this Shelfwise knows ({newest})"
        )
    conn.execute("DROP TABLE schema_version")
    conn.execute(f"CREATE TABLE {_TABLE}".encode())
    for version, name, applied_at in rows:
        component, number = LEGACY_VERSIONS[int(version)]
        conn.execute(
            "INSERT INTO schema_version(component, version, name, applied_at) VALUES (%s, %s, %s, %s)",
            (component, number, name, applied_at),
        )
