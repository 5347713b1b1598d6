"""One parser for every store's URL: `memory://`, `sqlite:///PATH` (or a bare PATH) and
`postgresql://...` (`postgres://` is read the same). A URL that is none of these is refused with
a message naming the store and the setting it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from shelfwise.storage.postgres import PgDatabase

Scheme = Literal["memory", "sqlite", "postgresql"]
SUPPORTED = "memory://, sqlite:///PATH or postgresql://USER@HOST/DATABASE"
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


@dataclass(frozen=True)
class StoreUrl:
    """A parsed store URL: SQLite has a `path`, PostgreSQL a `dsn` (a libpq connection URL)."""

    scheme: Scheme
    path: Path | None = None
    dsn: str | None = None


def redact(url: str) -> str:
    """The URL with its password (if any) replaced by ***, for messages and logs."""
    return _PASSWORD.sub(r"\1***@", url)


def parse_url(url: str | Path, what: str = "store", setting: str | None = None) -> StoreUrl:
    """`what` names the store ("event store") and `setting` where the URL came from
    (SHELFWISE_EVENTS_URL), both for the error message."""
    if isinstance(url, Path):
        return StoreUrl("sqlite", path=url)
    text = url.strip()
    if text == "memory://":
        return StoreUrl("memory")
    if text.startswith("sqlite:///"):
        return StoreUrl("sqlite", path=Path(text.removeprefix("sqlite:///")))
    if text.startswith(("postgresql://", "postgres://")):
        return StoreUrl("postgresql", dsn="postgresql://" + text.split("://", 1)[1])
    if "://" in text or not text:
        where = f" ({setting})" if setting else ""
        raise ValueError(f"unsupported {what} URL '{redact(text)}'{where}: use {SUPPORTED}")
    return StoreUrl("sqlite", path=Path(text))


def folder_or_url(target: str | Path, file_name: str, what: str) -> StoreUrl:
    """The factories' target: a data folder (its `file_name`, SQLite) or a URL."""
    if isinstance(target, str) and "://" in target:
        return parse_url(target, what)
    return StoreUrl("sqlite", path=Path(target) / file_name)


class Databases(Protocol):
    """Shared PostgreSQL pools by connection URL (`storage.postgres.Databases`)."""

    def get(self, dsn: str) -> PgDatabase: ...


def on_database(parsed: StoreUrl, databases: Databases | None) -> str | PgDatabase:
    """What a PostgreSQL store opens on: the shared pool of `databases`, else its own (the URL)."""
    assert parsed.dsn is not None
    return parsed.dsn if databases is None else databases.get(parsed.dsn)
