"""GET /search?sort=: every matching product in price or rating order, across pages, and the
personal stage leaves a shopper's chosen order alone."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from shelfwise.records import Event
from shelfwise.service import Shelfwise


def _prices(client: TestClient, **params: object) -> list[float]:
    response = client.get("/search", params={"q": "headphones", "page_size": 3, **params})
    assert response.status_code == 200, response.text
    return [hit["product"]["price"] for hit in response.json()["hits"]]


def test_price_order_holds_across_pages(client: TestClient) -> None:
    whole = client.get("/search", params={"q": "headphones", "page_size": 100, "sort": "price_asc"}).json()
    prices = [hit["product"]["price"] for hit in whole["hits"]]
    assert prices == sorted(prices) and len(prices) == whole["total"] > 3
    assert _prices(client, sort="price_asc") + _prices(client, sort="price_asc", page=2) == prices[:6]
    descending = _prices(client, sort="price_desc", page_size=100)
    assert descending == sorted(prices, reverse=True)


def test_rating_order_and_a_bad_sort_is_a_422(client: TestClient) -> None:
    hits = client.get("/search", params={"q": "dress", "sort": "rating", "page_size": 100}).json()["hits"]
    ratings = [h["product"]["rating"] if h["product"]["rating"] is not None else -1 for h in hits]
    assert ratings == sorted(ratings, reverse=True)
    bad = client.get("/search", params={"q": "dress", "sort": "cheapest"})
    assert bad.status_code == 422 and "sort" in bad.text


def test_a_known_shopper_gets_the_chosen_order_not_a_personal_one(shelfwise: Shelfwise, make_client) -> None:  # noqa: ANN001
    at = datetime(2025, 1, 1, tzinfo=UTC)
    shelfwise.record_events([
        Event(event_id=f"p{i}", type="purchase", user_id="fan", product_id="hp-001", timestamp=at)
        for i in range(3)
    ])  # fmt: skip
    client = make_client(shelfwise)
    prices = _prices(client, sort="price_asc", page_size=100, user_id="fan")
    assert prices == sorted(prices)
