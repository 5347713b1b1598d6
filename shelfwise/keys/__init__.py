"""API keys: stored keys with actions (search, events, catalog, models, admin), the configured
master keys, scoped search keys signed by a parent key, and `Keyring` that tells them apart."""

from __future__ import annotations

from pathlib import Path

from shelfwise.keys.auth import KeyRefused, Keyring, Principal
from shelfwise.keys.base import (
    ACTIONS,
    Action,
    ApiKey,
    KeyStore,
    check_actions,
    create_key,
    expiry_of,
    hash_key,
    key_id_of,
    master_key_id,
    new_key,
    signing_secret,
)
from shelfwise.keys.memory import MemoryKeyStore
from shelfwise.keys.narrow import admits, intersect_filters, scoped_facets
from shelfwise.keys.scoped import Scope, mint_scoped_key, parent_id_of, read_scope
from shelfwise.keys.sqlite import SQLiteKeyStore
from shelfwise.storage.urls import Databases, folder_or_url, on_database

KEYS_FILE = "keys.db"

__all__ = [
    "ACTIONS",
    "KEYS_FILE",
    "Action",
    "ApiKey",
    "KeyRefused",
    "KeyStore",
    "Keyring",
    "MemoryKeyStore",
    "Principal",
    "SQLiteKeyStore",
    "Scope",
    "admits",
    "check_actions",
    "create_key",
    "expiry_of",
    "hash_key",
    "intersect_filters",
    "key_id_of",
    "master_key_id",
    "mint_scoped_key",
    "new_key",
    "open_key_store",
    "parent_id_of",
    "read_scope",
    "scoped_facets",
    "signing_secret",
]


def open_key_store(target: str | Path, databases: Databases | None = None) -> KeyStore:
    """A data folder (its `keys.db`), `sqlite:///path/to/keys.db`, `memory://` or
    `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = folder_or_url(target, KEYS_FILE, "key store")
    if parsed.scheme == "memory":
        return MemoryKeyStore()
    if parsed.scheme == "postgresql":
        from shelfwise.keys.postgres import PostgresKeyStore

        return PostgresKeyStore(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteKeyStore(parsed.path)
