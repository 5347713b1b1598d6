"""Two server processes' apps over one PostgreSQL catalog (what two Ray Serve replicas or two
`--workers` are): a product written through one is searchable through the other without waiting
for the polling round, because the other LISTENs on `shelfwise_catalog` (issue 29 part 5)."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.records import Product
from shelfwise.serve import create_app
from shelfwise.serve.catalog_wakeup import CatalogWakeup
from shelfwise.service import Shelfwise
from shelfwise.shop_server import ShopServer
from shelfwise.store.catalog_listener import CatalogListener

KEY = "k" * 32
POLL_NEVER = 3600.0  # the periodic catch-up never runs within a test: only a notification helps


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _settings(data_dir: Path, url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=url, encoder=EncoderConfig(name="hashing"),
                    serve=ServeConfig(api_key=KEY, catch_up_seconds=POLL_NEVER))  # fmt: skip


def _products() -> list[Product]:
    return [Product(product_id=f"p{i}", title=f"steel kettle model {i}", price=10.0 + i) for i in range(12)]


def _found(client: TestClient, query: str) -> list[str]:
    answer = client.get("/search", params={"q": query}, headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    return [hit["product"]["product_id"] for hit in answer.json()["hits"]]


def test_a_write_through_one_server_reaches_the_other_by_notification(
    postgres_url: str, tmp_path: Path
) -> None:
    shop = Shelfwise(_settings(tmp_path / "data", postgres_url))
    shop.upsert_products(_products())
    shop.open_index()
    shop.close()
    first = ShopServer(_settings(tmp_path / "data", postgres_url))
    second = ShopServer(_settings(tmp_path / "data", postgres_url))
    config = _settings(tmp_path / "data", postgres_url).serve
    with (TestClient(create_app(first, config, owns_shelfwise=True)) as one,
          TestClient(create_app(second, config, owns_shelfwise=True)) as two):  # fmt: skip
        assert "fresh" not in " ".join(_found(two, "walnut"))
        time.sleep(1.0)  # both listeners in place (they connect in the background)
        put = one.put("/products/fresh", json={"title": "walnut cutting board", "price": 20.0},
                      headers={"X-API-Key": KEY})  # fmt: skip
        assert put.status_code == 200, put.text
        assert _found(one, "walnut cutting board")[:1] == ["fresh"]  # the writer refreshed itself
        deadline = time.monotonic() + 30  # bounded; without the notification it waits an hour
        while "fresh" not in _found(two, "walnut cutting board") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _found(two, "walnut cutting board")[:1] == ["fresh"]


def test_the_listener_calls_back_once_per_burst_and_stops(postgres_url: str, tmp_path: Path) -> None:
    shop = Shelfwise(_settings(tmp_path / "data", postgres_url))
    try:
        calls: list[float] = []
        listener = CatalogListener(postgres_url, lambda: calls.append(time.monotonic())).start()
        try:
            assert listener.wait_listening(30)
            shop.upsert_products(_products())  # one transaction: one notification
            deadline = time.monotonic() + 30
            while not calls and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(calls) == 1
        finally:
            listener.close()
        shop.upsert_products([Product(product_id="late", title="late kettle", price=1.0)])
        time.sleep(1.0)
        assert len(calls) == 1  # closed: no more calls
    finally:
        shop.close()


def test_a_sqlite_catalog_is_polled_as_before(tmp_path: Path) -> None:
    async def run() -> tuple[bool, bool]:
        wakeup = CatalogWakeup(f"sqlite:///{tmp_path / 'catalog.db'}")
        wakeup.start()
        try:
            return wakeup.listening, await wakeup.wait(0.05)
        finally:
            wakeup.close()

    # a thread of its own: the browser tests' session-wide Playwright keeps a loop running here
    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(asyncio.run, run()).result(timeout=60)
    assert outcome == (False, False)  # no listener: the wait is the polling interval
