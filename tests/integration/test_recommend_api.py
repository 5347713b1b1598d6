"""The recommendation routes over a real Shelfwise: training from stored events, reasons,
business rules, and the real-time path (an event changes the next answer, no retraining)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.recommend import ChannelsConfig, RecommenderConfig, SequentialConfig
from shelfwise.records import Event, Product
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

# two "aisles" of 12 products each; shoppers walk an aisle in order: after a{i} comes a{i+1}
AISLES = {"a": "Kitchen > Kettles", "b": "Garden > Hoses"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _events() -> list[Event]:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    events = []
    for shopper in range(160):
        aisle = "ab"[shopper % 2]
        first = shopper % 9
        for step in range(4):
            kind = {2: "add_to_cart", 3: "purchase"}.get(step, "view")
            events.append(Event(
                event_id=f"e{shopper}-{step}", type=kind, user_id=f"u{shopper}",
                product_id=f"{aisle}{first + step}", timestamp=start + timedelta(minutes=shopper * 10 + step),
            ))  # fmt: skip
    return events


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = Path(tmp_path_factory.mktemp("recommend")) / "data"
    shop = Shelfwise(Settings(data_dir=data, encoder=EncoderConfig(name="hashing")))
    products = [
        Product(product_id=f"{aisle}{i}", title=f"{path.split(' > ')[1][:-1]} model {i}",
                category=tuple(path.split(" > ")), in_stock=not (aisle == "a" and i == 11))
        for aisle, path in AISLES.items() for i in range(12)
    ]  # fmt: skip
    shop.upsert_products(products)
    shop.record_events(_events())
    config = RecommenderConfig(
        channels=ChannelsConfig(
            enabled=("cooccurrence", "sequential"),
            sequential=SequentialConfig(epochs=8, dim=16, heads=1, layers=1, dropout=0.0),
        ),
        ranker_fraction=0.3,
    )
    shop.train_recommender(config)
    with TestClient(create_app(shop, ServeConfig())) as test_client:
        yield test_client
    shop.close()


def _ids(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return [item["product"]["product_id"] for item in response.json()["items"]]


def test_an_event_changes_the_next_answer_for_that_shopper(client: TestClient) -> None:
    before = _ids(client.get("/recommend/user/newcomer", params={"k": 5}))
    event = {
        "event_id": "live-1",
        "type": "view",
        "user_id": "newcomer",
        "product_id": "b4",
        "timestamp": "2025-04-01T10:00:00Z",
    }
    assert client.post("/events", json=event).status_code == 200
    after = client.get("/recommend/user/newcomer", params={"k": 5})
    ids = _ids(after)
    assert ids != before and "b4" not in ids
    assert ids[0] == "b5"  # the aisle's next product
    assert all(i.startswith("b") for i in ids[:3]), after.json()
    first = after.json()["items"][0]
    assert first["reason"] and first["anchor_product_id"] == "b4"
    assert after.json()["model_version"]


def test_session_picks_follow_the_items_sent_and_skip_out_of_stock(client: TestClient) -> None:
    ids = _ids(client.post("/recommend/session", json={"items": ["a8", "a9", "a10"], "k": 4}))
    assert ids[0] != "a11"  # a11 would be next, but it is out of stock
    assert "a11" not in ids and not {"a8", "a9", "a10"} & set(ids)


def test_similar_and_bought_together(client: TestClient) -> None:
    similar = _ids(client.get("/recommend/item/a3", params={"k": 3}))
    assert similar and "a3" not in similar and "a4" in similar[:2]
    together = client.get("/recommend/bought-together/a3", params={"k": 3})
    ids = _ids(together)
    assert ids and all(i.startswith("a") for i in ids)
    assert together.json()["items"][0]["reason"].startswith("often bought with")
    assert client.get("/recommend/item/nope").status_code == 404


def test_without_a_trained_recommender_the_routes_say_so(tmp_path: Path) -> None:
    shop = Shelfwise(Settings(data_dir=tmp_path / "d", encoder=EncoderConfig(name="hashing")))
    try:
        with TestClient(create_app(shop, ServeConfig())) as test_client:
            response = test_client.get("/recommend/user/u1")
        assert response.status_code == 503
        assert "train recommender" in response.text
    finally:
        shop.close()


def test_each_answer_is_logged_as_an_impression_under_its_request_id(client: TestClient) -> None:
    shop: Shelfwise = client.app.state.shelfwise  # type: ignore[attr-defined]
    feed = client.get("/recommend/user/u3", params={"k": 4, "session_id": "visit-9"})
    similar = client.get("/recommend/item/a3", params={"k": 3, "user_id": "u3"})
    for response, surface in ((feed, "recommend"), (similar, "similar")):
        body = response.json()
        assert body["request_id"] == response.headers["x-request-id"]
        impression = shop.impressions.get(body["request_id"])
        assert impression is not None and impression.surface == surface and impression.user_id == "u3"
        assert [i.product_id for i in impression.items] == _ids(response)
    assert shop.impressions.get(feed.json()["request_id"]).session_id == "visit-9"  # type: ignore[union-attr]
    assert shop.impressions.get(similar.json()["request_id"]).context == {"anchor": "a3"}  # type: ignore[union-attr]


def test_a_repeated_feed_comes_from_the_cache_until_the_shopper_or_catalog_changes(
    client: TestClient,
) -> None:
    shop: Shelfwise = client.app.state.shelfwise  # type: ignore[attr-defined]

    def feed(k: int = 4):  # noqa: ANN202
        response = client.get("/recommend/user/u7", params={"k": k})
        return _ids(response), response.json()["request_id"]

    def hits() -> int:
        return shop.recommendation_cache_stats().hits

    first, first_id = feed()
    start = hits()
    again, again_id = feed()
    assert again == first and hits() == start + 1
    assert again_id != first_id and shop.impressions.get(again_id) is not None  # still logged
    feed(k=3)  # another request: computed
    assert hits() == start + 1
    event = {"event_id": "cache-1", "type": "view", "user_id": "u7", "product_id": "b2",
             "timestamp": "2025-04-02T10:00:00Z"}  # fmt: skip
    assert client.post("/events", json=event).status_code == 200
    feed()  # the shopper acted: computed again
    assert hits() == start + 1
    feed()
    assert hits() == start + 2
    shop.upsert_products([Product(product_id="c0", title="Garden gnome", category=("Garden", "Decor"))])
    feed()  # the catalog changed: computed again
    assert hits() == start + 2
    moment = datetime(2025, 4, 3, tzinfo=UTC)
    for i in range(2):  # a replay or simulation names its moment: computed every time
        shop.serve_recommendations("recommend", f"replay-{i}", user_id="u7", k=4, at=moment)
    assert hits() == start + 2


def test_the_answer_cache_can_be_switched_off(tmp_path: Path) -> None:
    from shelfwise.config import RecommendConfig

    settings = Settings(data_dir=tmp_path / "d", encoder=EncoderConfig(name="hashing"),
                        recommend=RecommendConfig(answer_cache_seconds=0))  # fmt: skip
    shop = Shelfwise(settings)
    try:
        shop.upsert_products([Product(product_id=f"a{i}", title=f"Kettle {i}") for i in range(6)])
        shop.record_events(_events()[:40])
        shop.train_recommender(RecommenderConfig(channels=ChannelsConfig(enabled=("cooccurrence",))))
        for _ in range(3):
            shop.serve_recommendations("recommend", "r", user_id="u1", k=3)
        assert shop.recommendation_cache_stats().hits == 0
    finally:
        shop.close()


def test_worker_processes_share_their_answers(tmp_path: Path) -> None:
    """Two Shelfwise instances over one data folder (a server's workers): an answer one computed
    is served by the other, until the shopper acts or a product in it is deleted."""
    settings = Settings(data_dir=tmp_path / "d", encoder=EncoderConfig(name="hashing"))
    first = Shelfwise(settings)
    first.upsert_products([Product(product_id=f"a{i}", title=f"Kettle {i}") for i in range(8)])
    first.record_events(_events()[:80])
    first.train_recommender(RecommenderConfig(channels=ChannelsConfig(enabled=("cooccurrence",))))
    second = Shelfwise(settings)
    try:
        computed, _ = first.serve_recommendations("recommend", "r1", user_id="u1", k=3)
        served, _ = second.serve_recommendations("recommend", "r2", user_id="u1", k=3)
        assert [r.product_id for r in served] == [r.product_id for r in computed]
        assert [(r.reason, r.score) for r in served] == [(r.reason, r.score) for r in computed]
        assert second.recommendation_cache_stats().shared_hits == 1
        assert second.impressions.get("r2").context == {"cached": True}  # type: ignore[union-attr]
        event = Event(event_id="share-1", type="view", user_id="u1", product_id="a5",
                      timestamp=datetime(2025, 4, 2, tzinfo=UTC))  # fmt: skip
        first.record_events([event])
        second.serve_recommendations("recommend", "r3", user_id="u1", k=3)  # the shopper acted
        assert second.recommendation_cache_stats().shared_hits == 1
        assert first.serve_recommendations("recommend", "r4", user_id="u1", k=3)[0]  # from the shared level
        assert first.recommendation_cache_stats().shared_hits == 1
    finally:
        first.close()
        second.close()


def test_a_recommender_saved_with_pickle_is_refused_with_how_to_retrain(tmp_path: Path) -> None:
    from shelfwise.recommend.live import recommender_registry

    registry = recommender_registry(tmp_path / "d")
    version, folder = registry.new_version()
    (folder / "recommender.pkl").write_bytes(b"\x80\x05 an older Shelfwise's pickle, never read")
    (folder / "manifest.json").write_text(json.dumps({"version": version}))
    registry.publish(version)
    shop = Shelfwise(Settings(data_dir=tmp_path / "d", encoder=EncoderConfig(name="hashing")))
    try:
        with TestClient(create_app(shop, ServeConfig())) as test_client:
            response = test_client.get("/recommend/user/u1")
        assert response.status_code == 503
        assert "saved with pickle" in response.text and "shelfwise train recommender" in response.text
    finally:
        shop.close()
