"""GET /graph/products/{id}, /graph/path and /graph/goes-with over the 20-product shop: 503
before a graph is built, 404 for unknown products, the search key rules, a newer version served
after catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from shelfwise.graph import GraphBuildConfig, build_and_publish
from shelfwise.records import Event, Product
from shelfwise.service import Shelfwise

START = datetime(2026, 3, 1, tzinfo=UTC)


def _visits() -> list[Event]:
    events: list[Event] = []

    def add(kind: str, product: str, session: str, minutes: float) -> None:
        events.append(
            Event(
                event_id=f"g{len(events)}",
                type=kind,
                product_id=product,
                session_id=session,  # type: ignore[arg-type]
                timestamp=START + timedelta(minutes=minutes),
            )
        )

    for i in range(3):  # a kettle and coffee in one cart
        for kind in ("view", "add_to_cart", "purchase"):
            add(kind, "kt-001", f"kit-{i}", 100 * i)
            add(kind, "cf-001", f"kit-{i}", 100 * i + 1)
    for i in range(3):  # two kettles compared, one bought
        add("view", "kt-001", f"cmp-{i}", 1000 + 100 * i)
        add("view", "kt-002", f"cmp-{i}", 1001 + 100 * i)
        add("add_to_cart", "kt-002", f"cmp-{i}", 1002 + 100 * i)
    for i in range(6):
        add("view", f"dr-00{1 + i % 5}", f"other-{i}", 3000 + i)
    return events


def _build(shelfwise: Shelfwise, **config: object) -> str:
    report = build_and_publish(
        shelfwise.store,
        shelfwise.events,
        shelfwise.settings.data_dir,
        GraphBuildConfig.model_validate(config),
    )
    return report.version


def test_before_a_graph_is_built_the_routes_say_how_to_build_one(client: TestClient) -> None:
    for url in (
        "/graph/products/kt-001",
        "/graph/path?from=kt-001&to=cf-001",
        "/graph/goes-with?item=kt-001",
    ):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "shelfwise graph build" in response.json()["error"]


def test_neighbourhood_path_and_goes_with(shelfwise: Shelfwise, client: TestClient) -> None:
    shelfwise.record_events(_visits())
    version = _build(shelfwise)
    body = client.get("/graph/products/kt-001").json()
    assert body["graph_version"] == version
    bought = body["neighbours"]["bought_together"]
    coffee = shelfwise.get_product("cf-001")
    assert coffee is not None
    assert bought[0]["node"] == {"kind": "product", "key": "cf-001", "label": coffee.title, "products": None}
    assert bought[0]["evidence"]["baskets"] == 3 and bought[0]["evidence"]["orders"] == 3
    assert [n["node"]["key"] for n in body["neighbours"]["also_viewed"]] == ["kt-002"]
    assert {n["node"]["label"] for n in body["neighbours"]["in_category"]} == {"Home", "Kitchen", "Kettles"}
    only = client.get("/graph/products/kt-001", params={"kinds": ["has_brand"]}).json()["neighbours"]
    assert list(only) == ["has_brand"]

    kettle = shelfwise.get_product("kt-001")
    assert kettle is not None
    paths = client.get("/graph/path", params={"from": "kt-001", "to": "cf-001", "limit": 5}).json()
    assert paths["found"] and paths["paths"][0]["path"]["score"] >= paths["paths"][-1]["path"]["score"]
    texts = [p["text"] for p in paths["paths"]]
    assert f"Shoppers who bought {kettle.title} also bought {coffee.title}." in texts
    chinese = client.get(
        "/graph/path", params={"from": "kt-001", "to": "cf-001", "limit": 5, "language": "zh"}
    )
    assert f"买了{kettle.title}的顾客也买了{coffee.title}。" in [p["text"] for p in chinese.json()["paths"]]

    goes = client.get("/graph/goes-with", params={"item": "kt-001"}).json()["items"]
    assert [g["product"]["product_id"] for g in goes] == ["cf-001"]  # never kt-002, the substitute
    assert goes[0]["anchor_product_id"] == "kt-001" and goes[0]["reason"].startswith("Shoppers who bought")
    cart = client.get("/graph/goes-with", params={"item": ["kt-001", "cf-001"]}).json()["items"]
    assert cart == []  # both are in the cart


def test_unknown_products_are_404s_that_say_why(shelfwise: Shelfwise, client: TestClient) -> None:
    shelfwise.record_events(_visits())
    version = _build(shelfwise)
    response = client.get("/graph/products/nope")
    assert response.status_code == 404 and response.json()["error"] == "no product 'nope'"
    assert client.get("/graph/path", params={"from": "kt-001", "to": "nope"}).status_code == 404
    shelfwise.upsert_products(
        [Product(product_id="kt-new", title="New Kettle", category=("Home", "Kitchen", "Kettles"))]
    )
    late = client.get("/graph/products/kt-new")
    assert late.status_code == 404 and f"not in graph version {version}" in late.json()["error"]
    assert client.get("/graph/goes-with", params={"item": "kt-new"}).json()["items"] == []


def test_a_newer_graph_is_served_after_catch_up(shelfwise: Shelfwise, client: TestClient) -> None:
    shelfwise.record_events(_visits())
    first = _build(shelfwise)
    assert client.get("/graph/products/kt-001").json()["graph_version"] == first
    second = _build(shelfwise, min_support=1)
    shelfwise.catch_up()
    assert client.get("/graph/products/kt-001").json()["graph_version"] == second != first


def test_graph_routes_follow_the_search_key_rules(shelfwise: Shelfwise, make_client, auth) -> None:  # type: ignore[no-untyped-def]
    shelfwise.record_events(_visits())
    _build(shelfwise)
    private = make_client(shelfwise, public_search=False)
    assert private.get("/graph/products/kt-001").status_code == 401
    assert private.get("/graph/products/kt-001", headers=auth).status_code == 200
