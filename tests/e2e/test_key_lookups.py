"""A keyed write looks up its own key only: the shop's whole key list is read only when a key is
refused and the answer depends on whether the shop has any key at all."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from shelfwise.config import ServeConfig
from shelfwise.keys import ApiKey, MemoryKeyStore, create_key
from shelfwise.serve import create_app
from shelfwise.serve.guard import Guard
from shelfwise.service import Shelfwise


class CountingKeyStore(MemoryKeyStore):
    def __init__(self) -> None:
        super().__init__()
        self.listed = 0

    def list(self) -> list[ApiKey]:
        self.listed += 1
        return super().list()


def _served(shelfwise: Shelfwise, store: CountingKeyStore, api_key: str | None) -> TestClient:
    config = ServeConfig(api_key=api_key)
    return TestClient(create_app(shelfwise, config, guard=Guard.build(store, config)))


def test_a_stored_key_writes_without_listing_every_key(shelfwise: Shelfwise) -> None:
    store = CountingKeyStore()
    raw = create_key(store, ("catalog",), "feed", datetime.now(UTC))[1]
    with _served(shelfwise, store, api_key=None) as client:
        response = client.delete("/products/no-such-product", headers={"X-API-Key": raw})
        assert response.status_code not in (401, 403), response.text
        assert store.listed == 0
        refused = client.delete("/products/no-such-product", headers={"X-API-Key": "wrong"})
        assert refused.status_code == 401  # the shop has a key: a wrong one is invalid
        assert store.listed == 1


def test_a_shop_without_keys_says_writes_are_disabled(shelfwise: Shelfwise) -> None:
    with _served(shelfwise, CountingKeyStore(), api_key=None) as client:
        response = client.delete("/products/p1", headers={"X-API-Key": "anything"})
        assert response.status_code == 403
        assert "writes are disabled" in response.json()["error"]
