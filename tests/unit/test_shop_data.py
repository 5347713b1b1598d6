"""ShopData: one URL per store from the settings; SQLite files in the data folder by default (the
same file names as always), one PostgreSQL database for all with SHELFWISE_DATABASE_URL, a
store's own setting over it, and a bad URL refused naming its setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfwise.config import Settings
from shelfwise.events import MemoryEventStore, SQLiteEventStore
from shelfwise.events.postgres import PostgresEventStore
from shelfwise.experiments.exposure_postgres import PostgresExposureLog
from shelfwise.impressions.log_postgres import PostgresImpressionLog
from shelfwise.keys.postgres import PostgresKeyStore
from shelfwise.recommend.shared_answers_pg import PostgresSharedAnswers
from shelfwise.shop_data import ShopData, ShopUrls
from shelfwise.storage.urls import parse_url, redact
from shelfwise.store import SQLiteStore
from shelfwise.store.postgres import PostgresEmbeddingCache, PostgresStore

FILES = {"store": "catalog.db", "events": "events.db", "impressions": "impressions.db",
         "exposures": "experiments.db", "embeddings": "embeddings.db", "answers": "answers.db",
         "keys": "keys.db", "forget_log": "privacy.db", "jobs": "jobs.db",
         "reviews": "reviews.db", "descriptions": "descriptions.db"}  # fmt: skip


@pytest.fixture(autouse=True)
def _no_shelfwise_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def test_defaults_are_the_sqlite_files_of_the_data_folder(tmp_path: Path) -> None:
    urls = ShopUrls.from_settings(Settings(data_dir=tmp_path))
    assert vars(urls) == {name: f"sqlite:///{tmp_path / file}" for name, file in FILES.items()}
    assert not urls.uses_postgresql()
    with ShopData(urls) as data:
        assert isinstance(data.store, SQLiteStore) and data.store.path == tmp_path / "catalog.db"
        assert isinstance(data.events, SQLiteEventStore) and data.events.path == tmp_path / "events.db"
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["catalog.db", "events.db"]  # opened: used


def test_one_database_url_sets_every_store_and_a_store_setting_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHELFWISE_DATABASE_URL", "postgres://shop@db.internal/shelfwise")
    monkeypatch.setenv("SHELFWISE_EVENTS_URL", "memory://")
    monkeypatch.setenv("SHELFWISE_KEYS_URL", str(tmp_path / "k.db"))
    urls = ShopUrls.from_settings(Settings(data_dir=tmp_path))
    assert urls.store == urls.answers == "postgres://shop@db.internal/shelfwise"
    assert (urls.events, urls.keys) == ("memory://", str(tmp_path / "k.db"))
    assert parse_url(urls.store).dsn == "postgresql://shop@db.internal/shelfwise"
    assert Settings(data_dir=tmp_path).resolved_store_url() == urls.store
    with ShopData(urls) as data:
        assert isinstance(data.events, MemoryEventStore)


def test_a_bad_url_is_refused_naming_its_setting_without_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHELFWISE_IMPRESSIONS_URL", "mysql://shop:s3cret@db/x")
    with pytest.raises(ValueError, match="SHELFWISE_IMPRESSIONS_URL") as refused:
        ShopUrls.from_settings(Settings(data_dir=tmp_path))
    assert "s3cret" not in str(refused.value) and "mysql://shop:***@db/x" in str(refused.value)
    monkeypatch.delenv("SHELFWISE_IMPRESSIONS_URL")
    monkeypatch.setenv("SHELFWISE_DATABASE_URL", "redis://cache")
    with pytest.raises(ValueError, match="SHELFWISE_DATABASE_URL"):
        ShopUrls.from_settings(Settings(data_dir=tmp_path))
    assert redact("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"


def test_every_store_opens_on_one_postgresql_database_and_shares_its_pool(
    postgres_url: str, tmp_path: Path
) -> None:
    with ShopData.open(Settings(data_dir=tmp_path, database_url=postgres_url)) as data:
        opened = [data.store, data.embeddings, data.events, data.impressions, data.exposures, data.keys,
                  data.answers(60.0)]  # fmt: skip
        kinds = (PostgresStore, PostgresEmbeddingCache, PostgresEventStore, PostgresImpressionLog,
                 PostgresExposureLog, PostgresKeyStore, PostgresSharedAnswers)  # fmt: skip
        assert [type(store) for store in opened] == list(kinds)
        assert len(data._databases._open) == 1  # one pool for the seven
    assert list(tmp_path.iterdir()) == []  # nothing in the data folder
