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


def open_key_store(target: str | Path) -> KeyStore:
    """A data folder (its `keys.db`), `sqlite:///path/to/keys.db` or `memory://`."""
    if isinstance(target, str) and "://" in target:
        if target == "memory://":
            return MemoryKeyStore()
        if target.startswith("sqlite:///"):
            return SQLiteKeyStore(Path(target.removeprefix("sqlite:///")))
        raise ValueError(f"unsupported key store URL '{target}': use memory:// or sqlite:///PATH")
    return SQLiteKeyStore(Path(target) / KEYS_FILE)
