"""GET /recommend/goes-with over the 20-product shop: 503 before a graph is built, complements
with their path in words for a product page and a cart, an empty list where the graph knows
none, the `goes_with` impression logged, and the storefront pages' hidden sections."""

from __future__ import annotations

from fastapi.testclient import TestClient

from shelfwise.service import Shelfwise
from tests.e2e.test_graph_routes import _build, _visits


def test_goes_with_is_a_logged_recommendation_surface(shelfwise: Shelfwise, client: TestClient) -> None:
    visit = {"session_id": "v1"}
    assert client.get("/recommend/goes-with", params={"item": "kt-001", **visit}).status_code == 503
    assert client.get("/recommend/goes-with", params={"item": "NOPE-1"}).status_code == 404
    assert client.get("/recommend/goes-with").status_code == 422
    shelfwise.record_events(_visits())
    version = _build(shelfwise)
    kettle, coffee = shelfwise.get_product("kt-001"), shelfwise.get_product("cf-001")
    assert kettle is not None and coffee is not None
    page = client.get("/recommend/goes-with", params={"item": "kt-001", "k": 4, **visit}).json()
    assert page["model_version"] == version
    assert [
        (i["product"]["product_id"], i["reason_kind"], i["anchor_product_id"]) for i in page["items"]
    ] == [("cf-001", "goes_with", "kt-001")]  # never the other kettle (a substitute)
    assert page["items"][0]["reason"] == f"Shoppers who bought {kettle.title} also bought {coffee.title}."
    cart = client.get("/recommend/goes-with", params={"item": ["kt-001", "dr-001"], "cart": True, **visit})
    assert cart.json()["items"][0]["reason"] == (
        f"Shoppers who bought the {kettle.title} in your cart also bought {coffee.title}."
    )
    none = client.get("/recommend/goes-with", params={"item": "dr-001", **visit}).json()
    assert none["items"] == []
    logged = shelfwise.impressions.get(page["request_id"])
    assert logged is not None and logged.surface == "goes_with" and logged.session_id == "v1"
    assert [s.product_id for s in logged.items] == ["cf-001"] and logged.context == {"anchor": "kt-001"}
    in_cart = shelfwise.impressions.get(cart.json()["request_id"])
    assert in_cart is not None and in_cart.context == {"cart": ["kt-001", "dr-001"]}
    assert shelfwise.impressions.count("goes_with") == 3


def test_the_product_and_cart_pages_hold_a_hidden_goes_with_section(client: TestClient) -> None:
    for url in ("/shop/products/kt-001", "/shop/cart"):
        html = client.get(url).text
        assert (
            '<section id="goes-with-section"' in html and "hidden>" in html.split("goes-with-section")[1][:80]
        )


def test_served_reasons_say_their_graph_path(shelfwise: Shelfwise, client: TestClient) -> None:
    from shelfwise.recommend import recommender_config

    shelfwise.record_events(_visits())
    shelfwise.train_recommender(recommender_config("cooccurrence", threads=1))
    kettle, coffee = shelfwise.get_product("kt-001"), shelfwise.get_product("cf-001")
    assert kettle is not None and coffee is not None

    def coffee_reason() -> str:
        items = client.get("/recommend/bought-together/kt-001", params={"k": 3}).json()["items"]
        found = [i for i in items if i["product"]["product_id"] == "cf-001"]
        assert found and found[0]["reason_kind"] == "bought_with"
        return str(found[0]["reason"])

    assert coffee_reason() == f"often bought with {kettle.title}"  # no graph yet
    _build(shelfwise)
    assert coffee_reason() == f"Shoppers who bought {kettle.title} also bought {coffee.title}."
