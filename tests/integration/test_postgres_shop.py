"""A whole shop on PostgreSQL (`database_url`): the same searches and recommendations as the same
shop on SQLite (same data, same seeds), the index rebuilt from the pgvector embedding cache
without encoding again, and forgetting a shopper reaching every PostgreSQL store."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.config import EncoderConfig, Settings
from shelfwise.recommend import ChannelsConfig, RecommenderConfig
from shelfwise.records import Event, Product, SearchRequest
from shelfwise.service import Shelfwise

START = datetime(2026, 10, 1, tzinfo=UTC)
QUERIES = ("steel kettle", "garden hose 20m", "kettle", "hose reel")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _products() -> list[Product]:
    return [
        Product(product_id=f"{aisle}{i}", title=f"{kind} {word} model {i}", category=("Home", name),
                price=10.0 + i)
        for aisle, name, kind in (("a", "Kettles", "kettle"), ("b", "Hoses", "garden hose"))
        for i in range(12) for word in (("steel", "glass", "reel", "20m")[i % 4],)
    ]  # fmt: skip


def _events() -> list[Event]:
    return [
        Event(event_id=f"t{shopper}-{step}", type="purchase" if step == 3 else "view",
              user_id=f"shopper-{shopper:02d}", session_id=f"visit-{shopper:02d}",
              product_id=f"{'ab'[shopper % 2]}{shopper % 8 + step}",
              timestamp=START + timedelta(minutes=shopper * 10 + step))
        for shopper in range(40) for step in range(4)
    ]  # fmt: skip


def _shop(settings: Settings) -> Shelfwise:
    shop = Shelfwise(settings)
    shop.upsert_products(_products())
    shop.open_index()
    shop.record_events(_events())
    channels = ChannelsConfig(enabled=("cooccurrence", "popularity"))
    shop.train_recommender(RecommenderConfig(channels=channels))
    return shop


def _answers(shop: Shelfwise) -> list[object]:
    found: list[object] = []
    for query in QUERIES:
        result = shop.search(SearchRequest(query=query))
        found.append([(hit.product.product_id, round(hit.score, 6)) for hit in result.hits])
    for actor in ("user:shopper-03", "user:shopper-10", None):
        feed = shop.recommend(actor, items=["a1"])
        found.append([(r.product.product_id, round(r.score, 6)) for r in feed])
    return found


def test_postgresql_shop_answers_like_the_sqlite_shop(postgres_url: str, tmp_path: Path) -> None:
    hashing = EncoderConfig(name="hashing")
    on_sqlite = _shop(Settings(data_dir=tmp_path / "sqlite", encoder=hashing))
    on_postgres = _shop(Settings(data_dir=tmp_path / "pg", encoder=hashing, database_url=postgres_url))
    try:
        assert sorted(p.name for p in (tmp_path / "pg").glob("*.db")) == []  # every store in PostgreSQL
        expected = _answers(on_sqlite)
        assert expected[0] and _answers(on_postgres) == expected
        assert on_postgres.events.count() == on_sqlite.events.count() == 160
        assert on_postgres.store.last_seq() == on_sqlite.store.last_seq() == 24
    finally:
        on_sqlite.close()
        on_postgres.close()


def test_postgresql_shop_forgets_a_shopper_everywhere(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, encoder=EncoderConfig(name="hashing"), database_url=postgres_url)
    shop = _shop(settings)
    try:
        request = SearchRequest(query="kettle", user_id="shopper-03", session_id="visit-03")
        shop.serve_search(request, request_id="req-1")
        shop.impressions.close()  # the buffered log writes what it holds
        shop.impressions = shop.data.impressions
        assert shop.impressions.sessions_of("shopper-03") == {"visit-03"}
        report = shop.forget_shopper("shopper-03")
        assert (report.events, report.sessions) == (4, 1) and report.impressions >= 1
        assert shop.events.recent("user:shopper-03") == [] and shop.events.sessions_of("shopper-03") == set()
        assert shop.impressions.sessions_of("shopper-03") == set()
    finally:
        shop.close()


def test_a_second_server_builds_its_index_from_the_pgvector_cache(postgres_url: str, tmp_path: Path) -> None:
    hashing = EncoderConfig(name="hashing")
    first = _shop(Settings(data_dir=tmp_path / "one", encoder=hashing, database_url=postgres_url))
    second = Shelfwise(Settings(data_dir=tmp_path / "two", encoder=hashing, database_url=postgres_url))
    try:
        second.open_index()  # another host's folder: its own index, from the shared catalog
        assert (second.encoder.last_stats.encoded, second.encoder.last_stats.cached) == (0, 24)
        result = second.search(SearchRequest(query="steel kettle"))
        assert [h.product.product_id for h in result.hits] == [
            h.product.product_id for h in first.search(SearchRequest(query="steel kettle")).hits
        ]
    finally:
        first.close()
        second.close()


def test_cli_commands_use_the_shops_database(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`shelfwise keys create` and `shelfwise events import` write where the server reads."""
    from typer.testing import CliRunner

    from shelfwise.cli import app
    from shelfwise.events import open_event_store
    from shelfwise.keys import open_key_store

    monkeypatch.setenv("SHELFWISE_DATABASE_URL", postgres_url)
    data = tmp_path / "data"
    (tmp_path / "events.csv").write_text(
        "event_id,type,user_id,product_id,timestamp\n"
        "e1,view,u1,a1,2026-10-01T10:00:00Z\ne2,purchase,u1,a1,2026-10-01T10:01:00Z\n"
    )
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "--actions", "search", "--data-dir", str(data)])
    assert made.exit_code == 0, made.output
    imported = runner.invoke(app, ["events", "import", str(tmp_path / "events.csv"), "--data-dir", str(data)])
    assert imported.exit_code == 0, imported.output
    keys, events = open_key_store(postgres_url), open_event_store(postgres_url)
    try:
        assert len(keys.list()) == 1 and events.count() == 2
    finally:
        keys.close()
        events.close()
    assert not list(data.glob("*.db")) if data.exists() else True
