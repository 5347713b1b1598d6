"""API keys over HTTP: every write route refuses a missing key (401) and a key that may not,
expired or revoked (403); scoped keys keep their filters whatever the request asks; rate limits
answer 429 with Retry-After; CORS for a storefront on another origin; /keys and rotation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import ServeConfig
from shelfwise.keys import MemoryKeyStore, create_key, mint_scoped_key
from shelfwise.records import Filters
from shelfwise.serve import create_app
from shelfwise.serve.guard import Guard
from shelfwise.service import Shelfwise
from tests.e2e.conftest import API_KEY

# POST routes that read rather than write; a new POST route is a write until it is listed here.
READ_POSTS = {"/search", "/recommend/session", "/events", "/assistant"}  # the search action, like /search


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _client(shelfwise: Shelfwise, clock: Clock, **serve: object) -> tuple[TestClient, Guard]:
    config = ServeConfig(**{"api_key": API_KEY, **serve})
    guard = Guard.build(MemoryKeyStore(), config, clock)
    return TestClient(create_app(shelfwise, config, guard=guard)), guard


@pytest.fixture
def served(shelfwise: Shelfwise, clock: Clock) -> Iterator[tuple[TestClient, Guard]]:
    client, guard = _client(shelfwise, clock)
    with client:
        yield client, guard


def _key(guard: Guard, *actions: str, expires_in: float | None = None) -> str:
    now = guard.now()
    expires = None if expires_in is None else now + timedelta(seconds=expires_in)
    return create_key(guard.keyring.store, actions, "test", now, expires)[1]


def _write_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every writing operation of the API, from its OpenAPI document (the admin console's form
    posts, outside it, sign in with a cookie: test_admin_keys.py)."""
    routes = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method in operations:
            if method in ("post", "put", "delete", "patch") and not (method == "post" and path in READ_POSTS):
                routes.append((method.upper(), re.sub(r"\{[^}]+\}", "x-1", path)))
    return routes


def test_every_write_route_needs_a_key_that_may_write(served: tuple[TestClient, Guard], clock: Clock) -> None:
    client, guard = served
    routes = _write_routes(client)
    assert {path for _, path in routes} >= {"/products/bulk", "/products/x-1", "/keys", "/keys/x-1"}
    search_only = _key(guard, "search", "events")
    expiring = _key(guard, "catalog", "admin", expires_in=60)
    revoked = _key(guard, "catalog", "admin")
    guard.keyring.store.revoke(revoked.split("_")[1], guard.now())
    scoped = mint_scoped_key(API_KEY, Filters(category="Home"), int(clock.now) + 3600)
    clock.now += 120  # `expiring` has expired
    for method, path in routes:
        where = f"{method} {path}"
        assert client.request(method, path, json={}).status_code == 401, where
        assert client.request(method, path, json={}, headers={"X-API-Key": "wrong"}).status_code == 401, where
        for key in (search_only, expiring, revoked, scoped):
            response = client.request(method, path, json={}, headers={"X-API-Key": key})
            assert response.status_code == 403, (where, response.text)
        allowed = client.request(method, path, json={}, headers={"Authorization": f"Bearer {API_KEY}"})
        assert allowed.status_code not in (401, 403), (where, allowed.text)


def test_a_catalog_key_writes_products_and_manages_no_keys(served: tuple[TestClient, Guard]) -> None:
    client, guard = served
    catalog = {"X-API-Key": _key(guard, "catalog")}
    body = {"title": "Glass Teapot", "category": ["Home", "Kitchen", "Kettles"], "price": 30.0}
    assert client.put("/products/tp-1", json=body, headers=catalog).status_code == 200
    assert client.get("/keys", headers=catalog).status_code == 403
    assert client.post("/keys", json={"actions": ["search"]}, headers=catalog).status_code == 403


def test_keys_over_http_show_a_secret_once_and_revoke(served: tuple[TestClient, Guard]) -> None:
    client, guard = served
    admin = {"X-API-Key": API_KEY}
    made = client.post("/keys", json={"actions": ["catalog"], "description": "feed"}, headers=admin)
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    listed = client.get("/keys", headers=admin).json()
    assert [k["description"] for k in listed] == ["feed"] and key not in str(listed)
    assert client.delete("/products/kt-001", headers={"X-API-Key": key}).status_code == 200
    assert client.delete(f"/keys/{made.json()['key_id']}", headers=admin).json()["state"] == "revoked"
    assert client.delete("/products/kt-002", headers={"X-API-Key": key}).status_code == 403
    # a stored admin key grants no more than it holds
    limited = {"X-API-Key": _key(guard, "admin", "search")}
    beyond = client.post("/keys", json={"actions": ["catalog"]}, headers=limited)
    assert beyond.status_code == 422 and "cannot grant catalog" in beyond.json()["error"]


def test_rotation_keeps_both_keys_valid_until_the_old_is_revoked(shelfwise: Shelfwise, clock: Clock) -> None:
    def status(client: TestClient, key: str) -> int:
        body = {"product_ids": ["nothing-here"]}
        return client.post("/products/bulk-delete", json=body, headers={"X-API-Key": key}).status_code

    client, guard = _client(shelfwise, clock, api_key="new-master", api_keys_previous=[API_KEY])
    with client:
        assert status(client, "new-master") == status(client, API_KEY) == 200
    client, guard = _client(shelfwise, clock, api_key="new-master")
    with client:
        assert status(client, API_KEY) == 401
        old, new = _key(guard, "catalog"), _key(guard, "catalog")  # stored keys: make the new one,
        assert status(client, old) == status(client, new) == 200  # move clients over,
        guard.keyring.store.revoke(old.split("_")[1], guard.now())  # then revoke the old one
        assert status(client, old) == 403 and status(client, new) == 200


def _categories(response: object) -> set[str]:
    hits = response.json()["hits"]  # type: ignore[attr-defined]
    return {" > ".join(h["product"]["category"][:2]) for h in hits}


def test_a_scoped_keys_filter_cannot_be_removed_by_the_request(
    served: tuple[TestClient, Guard], clock: Clock
) -> None:
    client, guard = served
    parent = _key(guard, "search")
    scoped = {"X-API-Key": mint_scoped_key(parent, Filters(category="Home > Kitchen"), int(clock.now) + 600)}
    plain = client.get("/search", params={"q": "black"}).json()
    assert {"Home > Kitchen", "Electronics > Audio"} <= _categories(client.get("/search?q=black"))
    assert plain["total"] > 0
    mine = client.get("/search", params={"q": "black"}, headers=scoped)
    assert mine.status_code == 200 and _categories(mine) == {"Home > Kitchen"}
    other = client.get("/search", params={"q": "headphones", "category": "Electronics"}, headers=scoped)
    assert other.status_code == 200 and other.json()["total"] == 0 and other.json()["hits"] == []
    posted = client.post("/search", json={"query": "", "filters": {"category": "Clothing"}}, headers=scoped)
    assert posted.json()["total"] == 0
    narrower = client.post("/search", json={"query": "", "filters": {"category": "Home > Kitchen > Coffee"},
                                            "page_size": 50}, headers=scoped)  # fmt: skip
    assert {h["product"]["product_id"] for h in narrower.json()["hits"]} == {"cf-001", "cf-002"}
    params = {"q": "", "page_size": 50, "facets": "category,brand"}
    everything = client.get("/search", params=params, headers=scoped)
    assert _categories(everything) == {"Home > Kitchen"} and everything.json()["total"] == 7
    assert client.get("/products/hp-001", headers=scoped).status_code == 404
    assert client.get("/products/kt-001", headers=scoped).status_code == 200
    assert client.get("/profiles/user/u-1", headers=scoped).status_code == 403
    assert client.get("/shop/shoppers", headers=scoped).status_code == 403  # shoppers' data too


def test_a_scoped_brand_key_sees_its_brands_in_facets_and_suggestions(
    served: tuple[TestClient, Guard], clock: Clock
) -> None:
    client, guard = served
    token = mint_scoped_key(_key(guard, "search"), Filters(brands=("Sony",)), int(clock.now) + 600)
    scoped = {"Authorization": f"Bearer {token}"}
    plain = client.get("/search", params={"q": "headphones", "facets": "brand"}).json()
    assert len(plain["facets"]["brand"]) > 1
    answer = client.get("/search", params={"q": "headphones", "facets": "brand"}, headers=scoped).json()
    assert [f["value"] for f in answer["facets"]["brand"]] == ["Sony"]
    assert {h["product"]["brand"] for h in answer["hits"]} == {"Sony"}
    widened = client.get("/search", params={"q": "headphones", "brand": "Bose"}, headers=scoped).json()
    assert widened["total"] == 0
    everyone = client.get("/suggest", params={"q": "b"}).json()["suggestions"]
    assert any(s.get("brand") not in (None, "Sony") or s["kind"] in ("query", "phrase") for s in everyone)
    for prefix in ("s", "b", "so", "w"):
        for s in client.get("/suggest", params={"q": prefix}, headers=scoped).json()["suggestions"]:
            assert s["kind"] in ("product", "brand"), s
            assert s["brand"] == "Sony" or s["text"] == "Sony", s


def test_reading_routes_need_a_search_key_when_search_is_not_public(
    shelfwise: Shelfwise, clock: Clock
) -> None:
    client, guard = _client(shelfwise, clock, public_search=False, public_events=False)
    with client:
        for path in (
            "/search?q=kettle",
            "/suggest?q=ke",
            "/products/kt-001",
            "/recommend/item/kt-001",
            "/profiles/user/u-1",
            "/shop/shoppers",
        ):
            assert client.get(path).status_code == 401, path
        event = {"event_id": "e1", "type": "view", "session_id": "s", "product_id": "kt-001",
                 "timestamp": "2026-01-01T00:00:00Z"}  # fmt: skip
        assert client.post("/events", json=event).status_code == 401
        catalog_only = {"X-API-Key": _key(guard, "catalog")}
        assert client.get("/search?q=kettle", headers=catalog_only).status_code == 403
        assert client.post("/events", json=event, headers=catalog_only).status_code == 403
        storefront = {"X-API-Key": _key(guard, "search", "events")}
        assert client.get("/search?q=kettle", headers=storefront).status_code == 200
        assert client.post("/events", json=event, headers=storefront).status_code == 200
        assert client.get("/health").status_code == 200  # for load balancers, always


def test_a_key_over_its_rate_gets_429_with_retry_after(shelfwise: Shelfwise, clock: Clock) -> None:
    client, guard = _client(shelfwise, clock, rate_limit_per_key=1.0, rate_limit_burst=2)
    with client:
        key, other = {"X-API-Key": _key(guard, "search")}, {"X-API-Key": _key(guard, "search")}
        assert [client.get("/suggest?q=k", headers=key).status_code for _ in range(3)] == [200, 200, 429]
        refused = client.get("/suggest?q=k", headers=key)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert "too many requests" in refused.json()["error"]
        assert client.get("/suggest?q=k", headers=other).status_code == 200  # a bucket per key
        assert client.get("/suggest?q=k").status_code == 200  # no key, no per-key limit
        clock.now += 1.0  # one token back
        assert [client.get("/suggest?q=k", headers=key).status_code for _ in range(2)] == [200, 429]


def test_an_address_over_its_rate_gets_429_whatever_key_it_sends(shelfwise: Shelfwise, clock: Clock) -> None:
    client, guard = _client(shelfwise, clock, rate_limit_per_address=0.5, rate_limit_burst=2)
    with client:
        assert client.get("/suggest?q=k", headers={"X-API-Key": "wrong"}).status_code == 401  # counts too
        assert client.get("/suggest?q=k").status_code == 200
        refused = client.get("/suggest?q=k", headers={"X-API-Key": _key(guard, "search")})
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
        clock.now += 2.0
        assert client.get("/suggest?q=k").status_code == 200


def test_limits_are_off_by_default(served: tuple[TestClient, Guard]) -> None:
    client, _ = served
    assert all(client.get("/suggest?q=k").status_code == 200 for _ in range(40))


def test_cors_admits_the_configured_origins_only(shelfwise: Shelfwise, clock: Clock) -> None:
    shop = "https://shop.example"
    client, _ = _client(shelfwise, clock, cors_origins=[shop])
    with client:
        preflight = client.options("/search", headers={
            "Origin": shop, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key"})  # fmt: skip
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == shop
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        answer = client.get("/search?q=kettle", headers={"Origin": shop})
        assert answer.headers["access-control-allow-origin"] == shop
        refused = client.get("/products/bulk-delete", headers={"Origin": shop})
        assert refused.headers.get("access-control-allow-origin") == shop  # errors too
        stranger = client.get("/search?q=kettle", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers
    plain, _ = _client(shelfwise, clock)
    with plain:
        assert "access-control-allow-origin" not in plain.get("/search?q=k", headers={"Origin": shop}).headers
