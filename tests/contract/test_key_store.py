"""Contract suite every KeyStore backend must pass, and what the SQLite file holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.keys import KeyStore, MemoryKeyStore, SQLiteKeyStore, hash_key, new_key, open_key_store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyStore]:
    backend: KeyStore
    if request.param == "postgresql":
        backend = open_key_store(request.getfixturevalue("postgres_url"))
    else:
        backend = MemoryKeyStore() if request.param == "memory" else SQLiteKeyStore(tmp_path / "k.db")
    yield backend
    backend.close()


def test_a_stored_key_comes_back_as_it_went_in(store: KeyStore) -> None:
    record, raw = new_key(["events", "search"], "storefront", NOW, NOW + timedelta(days=30))
    store.add(record)
    assert store.get(record.key_id) == record
    assert record.actions == ("search", "events")  # canonical order
    assert record.key_hash == hash_key(raw) and raw not in (record.key_hash, record.signing_secret)
    assert store.get("nope") is None


def test_key_ids_are_unique(store: KeyStore) -> None:
    record, _ = new_key(["search"], "", NOW)
    store.add(record)
    with pytest.raises(ValueError, match="taken"):
        store.add(record)


def test_keys_are_listed_oldest_first(store: KeyStore) -> None:
    made = [new_key(["search"], f"k{i}", NOW + timedelta(minutes=i))[0] for i in (2, 0, 1)]
    for record in made:
        store.add(record)
    assert [k.description for k in store.list()] == ["k0", "k1", "k2"]


def test_revoking_keeps_the_key_and_its_first_revocation(store: KeyStore) -> None:
    record, _ = new_key(["catalog"], "", NOW)
    store.add(record)
    revoked = store.revoke(record.key_id, NOW + timedelta(hours=1))
    assert revoked is not None and revoked.revoked_at == NOW + timedelta(hours=1)
    again = store.revoke(record.key_id, NOW + timedelta(hours=2))
    assert again is not None and again.revoked_at == NOW + timedelta(hours=1)
    assert store.get(record.key_id) == revoked and revoked.state(NOW + timedelta(hours=3)) == "revoked"
    assert store.revoke("unknown", NOW) is None


def test_states_follow_expiry_and_revocation() -> None:
    record, _ = new_key(["search"], "", NOW, NOW + timedelta(days=1))
    assert record.state(NOW) == "active"
    assert record.state(NOW + timedelta(days=1)) == "expired"
    with pytest.raises(ValueError, match="not in the future"):
        new_key(["search"], "", NOW, NOW)
    with pytest.raises(ValueError, match="unknown action"):
        new_key(["serch"], "", NOW)


def test_the_sqlite_file_holds_hashes_never_the_key(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    store = SQLiteKeyStore(path)
    record, raw = new_key(["admin"], "ops", NOW)
    store.add(record)
    store.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the WAL too
    secret = raw.split("_", 2)[2]  # swk_<id>_<secret>
    assert record.key_hash.encode() in data
    assert raw.encode() not in data and secret.encode() not in data
    reopened = open_key_store(tmp_path)
    assert reopened.get(record.key_id) == record  # and it survives a reopen
    reopened.close()


def test_looking_up_creates_no_file(tmp_path: Path) -> None:
    store = SQLiteKeyStore(tmp_path / "keys.db")
    assert store.get("x") is None and store.list() == [] and store.revoke("x", NOW) is None
    assert not (tmp_path / "keys.db").exists()
