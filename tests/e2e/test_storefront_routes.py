"""The storefront's own routes over HTTP (the browser tests drive the pages themselves): page
shells, the demo shoppers from real profiles, static files by name only, no key in any page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from shelfwise.records import Event
from shelfwise.service import Shelfwise


def test_pages_are_served_with_a_strict_content_security_policy(client: TestClient, api_key: str) -> None:
    for path in ("/", "/shop/search?q=kettle", "/shop/products/hp-001", "/shop/cart"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert api_key not in response.text
    search = client.get("/shop/search", params={"q": '<script>alert("x")</script>'}).text
    assert '<script>alert("x")' not in search and "&lt;script&gt;" in search


def test_a_product_page_names_its_product_and_an_unknown_one_is_a_404(client: TestClient) -> None:
    page = client.get("/shop/products/hp-001")
    assert 'data-product-id="hp-001"' in page.text and "Sony WH-1000XM5" in page.text
    missing = client.get("/shop/products/no-such-thing")
    assert missing.status_code == 404 and "No such product" in missing.text


def test_static_files_are_served_by_name_only(client: TestClient) -> None:
    script = client.get("/shop/static/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/shop/static/shop.css").headers["content-type"].startswith("text/css")
    assert client.get("/shop/static/..%2Froutes.py").status_code == 404
    assert client.get("/shop/static/routes.py").status_code == 404


def test_demo_shoppers_come_from_their_events(shelfwise: Shelfwise, make_client) -> None:  # noqa: ANN001
    start = datetime(2025, 1, 1, tzinfo=UTC)
    events = [
        Event(event_id=f"e{user}-{i}", type="view", user_id=f"u{user}", product_id=pid,
              timestamp=start + timedelta(minutes=i))
        for user, pids in ((1, ["hp-001", "hp-002", "hp-003"]), (2, ["kt-001"]))
        for i, pid in enumerate(pids)
    ]  # fmt: skip
    shelfwise.record_events(events)
    client = make_client(shelfwise)
    body = client.get("/shop/shoppers", params={"limit": 1}).json()
    assert [s["user_id"] for s in body["shoppers"]] == ["u1"]
    first = body["shoppers"][0]
    assert first["events"] == 3 and first["departments"] == ["Electronics"] and first["brands"]
